// Sign-in sessions of the admin console (/admin): a random id in an HttpOnly, SameSite=Strict
// cookie (Secure under TLS), valid 12 hours, held in memory (a restart signs everyone out), each
// with its own CSRF token that every state-changing form must send back. The decisions
// (cookie parsing, access) are pure functions; AdminSessions is the thread-safe table.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "bridgebot/core/clock.h"

namespace bridgebot::api {

inline constexpr std::chrono::seconds kAdminSessionLifetime = std::chrono::hours(12);
inline constexpr std::string_view kAdminSessionCookie = "bridgebot_admin";

struct AdminSession {
  std::string id;               // 32 random bytes, hex: the cookie's value
  std::string csrf_token;       // 32 random bytes, hex: the hidden field of every form
  std::int64_t expires_at = 0;  // unix seconds
};

class AdminSessions {
 public:
  explicit AdminSessions(const core::Clock& clock,
                         std::chrono::seconds lifetime = kAdminSessionLifetime);

  AdminSession create();
  // The session with this id, unless unknown or expired (an expired one is dropped).
  std::optional<AdminSession> find(std::string_view id);
  void end(std::string_view id);

  // A one-time notice ("The Integration has been successfully created") shown by the next page
  // of this session, so that a form can answer with a redirect (no re-post on reload).
  void set_notice(std::string_view id, std::string notice);
  std::string take_notice(std::string_view id);

 private:
  struct Entry {
    AdminSession session;
    std::string notice;
  };
  const core::Clock& clock_;
  std::chrono::seconds lifetime_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> sessions_;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string cookie_value(std::string_view cookie_header, std::string_view name);
// Set-Cookie for a new session, and the one that removes it.
std::string session_cookie(std::string_view id, bool secure,
                           std::chrono::seconds max_age = kAdminSessionLifetime);
std::string cleared_session_cookie(bool secure);

enum class AdminAccess {
  allowed,
  sign_in,          // no session cookie: the sign-in form
  session_expired,  // a cookie whose session is unknown or expired: sign in again, say why
  csrf_rejected,    // a state-changing request without this session's CSRF token: 403
};

// Whether a console request may proceed. `cookie` is the session cookie's value ("" without one),
// `session` what it found, `form_csrf` the form's csrf field. Pure; compares in constant time.
AdminAccess admin_access(std::string_view cookie, const std::optional<AdminSession>& session,
                         bool state_changing, std::string_view form_csrf);

}  // namespace bridgebot::api
