#include "bridgebot/api/admin_sessions.h"

#include <utility>

#include "bridgebot/core/crypto.h"

namespace bridgebot::api {

AdminSessions::AdminSessions(const core::Clock& clock, std::chrono::seconds lifetime)
    : clock_(clock), lifetime_(lifetime) {}

AdminSession AdminSessions::create() {
  AdminSession session{core::hex_encode(core::random_bytes(32)),
                       core::hex_encode(core::random_bytes(32)),
                       clock_.unix_seconds() + lifetime_.count()};
  std::lock_guard lock(mutex_);
  // Drop expired sessions here, so the table holds only live ones plus the few since the last
  // sign-in.
  const auto now = clock_.unix_seconds();
  std::erase_if(sessions_,
                [now](const auto& entry) { return entry.second.session.expires_at <= now; });
  sessions_[session.id] = Entry{session, {}};
  return session;
}

std::optional<AdminSession> AdminSessions::find(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.session.expires_at <= clock_.unix_seconds()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.session;
}

void AdminSessions::end(std::string_view id) {
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

void AdminSessions::set_notice(std::string_view id, std::string notice) {
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) it->second.notice = std::move(notice);
}

std::string AdminSessions::take_notice(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return {};
  return std::exchange(it->second.notice, {});
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return {};
}

std::string session_cookie(std::string_view id, bool secure, std::chrono::seconds max_age) {
  return std::string(kAdminSessionCookie) + "=" + std::string(id) +
         "; Path=/admin; Max-Age=" + std::to_string(max_age.count()) +
         "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string cleared_session_cookie(bool secure) {
  return session_cookie("", secure, std::chrono::seconds(0));
}

AdminAccess admin_access(std::string_view cookie, const std::optional<AdminSession>& session,
                         bool state_changing, std::string_view form_csrf) {
  if (!session) return cookie.empty() ? AdminAccess::sign_in : AdminAccess::session_expired;
  if (state_changing &&
      (form_csrf.empty() || !core::constant_time_equal(form_csrf, session->csrf_token))) {
    return AdminAccess::csrf_rejected;
  }
  return AdminAccess::allowed;
}

}  // namespace bridgebot::api
