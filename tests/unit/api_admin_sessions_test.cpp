// The admin console's session and CSRF decisions: who gets a page, who is sent to sign in, and
// which forms are refused.
#include <catch2/catch.hpp>

#include "bridgebot/api/admin_sessions.h"

using namespace bridgebot;
using api::AdminAccess;
using api::AdminSessions;

TEST_CASE("a session lives 12 hours, then it is gone", "[api][admin]") {
  core::FakeClock clock;
  AdminSessions sessions(clock);
  const auto session = sessions.create();
  CHECK(session.id.size() == 64);
  CHECK(session.csrf_token.size() == 64);
  CHECK(session.csrf_token != session.id);
  clock.advance(std::chrono::hours(12) - std::chrono::seconds(1));
  REQUIRE(sessions.find(session.id));
  CHECK(sessions.find(session.id)->csrf_token == session.csrf_token);
  clock.advance(std::chrono::seconds(1));
  CHECK_FALSE(sessions.find(session.id));
}

TEST_CASE("sign-out ends a session; unknown ids find nothing", "[api][admin]") {
  core::FakeClock clock;
  AdminSessions sessions(clock);
  const auto a = sessions.create();
  const auto b = sessions.create();
  CHECK(a.id != b.id);
  sessions.end(a.id);
  CHECK_FALSE(sessions.find(a.id));
  CHECK(sessions.find(b.id));
  CHECK_FALSE(sessions.find(""));
  CHECK_FALSE(sessions.find(b.id.substr(1)));
}

TEST_CASE("a notice is shown once, to its own session", "[api][admin]") {
  core::FakeClock clock;
  AdminSessions sessions(clock);
  const auto a = sessions.create();
  const auto b = sessions.create();
  sessions.set_notice(a.id, "The token has been refreshed");
  CHECK(sessions.take_notice(b.id).empty());
  CHECK(sessions.take_notice(a.id) == "The token has been refreshed");
  CHECK(sessions.take_notice(a.id).empty());
}

TEST_CASE("the session cookie is HttpOnly, SameSite=Strict, 12 h, Secure only under TLS",
          "[api][admin]") {
  const auto plain = api::session_cookie("abc", false);
  CHECK(plain == "bridgebot_admin=abc; Path=/admin; Max-Age=43200; HttpOnly; SameSite=Strict");
  CHECK(api::session_cookie("abc", true) == plain + "; Secure");
  CHECK(api::cleared_session_cookie(false).find("Max-Age=0") != std::string::npos);
}

TEST_CASE("the session cookie is read out of a Cookie header among others", "[api][admin]") {
  CHECK(api::cookie_value("a=1; bridgebot_admin=xyz; b=2", "bridgebot_admin") == "xyz");
  CHECK(api::cookie_value("bridgebot_admin=xyz", "bridgebot_admin") == "xyz");
  CHECK(api::cookie_value("not_bridgebot_admin=xyz", "bridgebot_admin").empty());
  CHECK(api::cookie_value("", "bridgebot_admin").empty());
}

TEST_CASE("access: sign in, expired, CSRF refused, allowed", "[api][admin]") {
  const api::AdminSession session{"id", "csrf-of-this-session", 0};
  // No cookie at all: the sign-in form, for reading and for writing alike.
  CHECK(api::admin_access("", std::nullopt, false, "") == AdminAccess::sign_in);
  CHECK(api::admin_access("", std::nullopt, true, "x") == AdminAccess::sign_in);
  // A cookie the server no longer knows (expired, or bridgebot restarted): say so.
  CHECK(api::admin_access("old", std::nullopt, false, "") == AdminAccess::session_expired);
  CHECK(api::admin_access("old", std::nullopt, true, "csrf-of-this-session") ==
        AdminAccess::session_expired);
  // Reading needs no CSRF token; every state change needs this session's.
  CHECK(api::admin_access("id", session, false, "") == AdminAccess::allowed);
  CHECK(api::admin_access("id", session, true, "csrf-of-this-session") == AdminAccess::allowed);
  CHECK(api::admin_access("id", session, true, "") == AdminAccess::csrf_rejected);
  CHECK(api::admin_access("id", session, true, "csrf-of-another-session") ==
        AdminAccess::csrf_rejected);
  CHECK(api::admin_access("id", session, true, "csrf-of-this-sessio") ==
        AdminAccess::csrf_rejected);
}
