// The mapping from Slack's answers to Error values, as a table.
#include <catch2/catch.hpp>

#include "bridgebot/slack/errors.h"

using bridgebot::slack::ApiFailure;
using bridgebot::slack::is_dead_webhook;
using bridgebot::slack::map_api_failure;
using bridgebot::slack::map_webhook_failure;
using namespace std::chrono_literals;

TEST_CASE("Slack error codes map to code, transience and the admin's next step",
          "[slack][errors]") {
  struct Row {
    int status;
    const char* error;
    const char* code;
    bool transient;
    const char* advice;  // a phrase the message must contain
  };
  const Row rows[] = {
      {200, "invalid_auth", "invalid_auth", false, "reinstall"},
      {200, "token_revoked", "token_revoked", false, "reinstall"},
      {200, "token_expired", "token_expired", false, "Re-generate token"},
      {200, "not_authed", "not_authed", false, "token"},
      {200, "account_inactive", "account_inactive", false, "reinstall"},
      {200, "team_disabled", "team_disabled", false, "re-enabled"},
      {200, "internal_error", "internal_error", true, "retry"},
      {200, "fatal_error", "fatal_error", true, "retry"},
      {200, "service_unavailable", "service_unavailable", true, "retry"},
      {200, "request_timeout", "request_timeout", true, "retry"},
      {200, "channel_not_found", "channel_not_found", false, "invite"},
      {200, "not_in_channel", "not_in_channel", false, "invite"},
      {200, "messages_tab_disabled", "messages_tab_disabled", false, "App Home"},
      {200, "some_new_code", "some_new_code", false, "chat.postMessage"},
      {500, "", "http_500", true, "retry"},
      {503, "", "http_503", true, "retry"},
      {404, "", "http_404", false, "API URL"},
  };
  for (const auto& row : rows) {
    INFO(row.status << " " << row.error);
    auto e = map_api_failure({"chat.postMessage", row.status, row.error, "", "", std::nullopt});
    CHECK(e.code == row.code);
    CHECK(e.transient == row.transient);
    CHECK(e.message.find(row.advice) != std::string::npos);
    CHECK_FALSE(e.retry_after.has_value());
  }
}

TEST_CASE("both spellings of rate limiting are transient and carry Retry-After",
          "[slack][errors]") {
  for (const char* code : {"ratelimited", "rate_limited"}) {
    INFO(code);
    auto e = map_api_failure({"chat.postMessage", 429, code, "", "", 12000ms});
    CHECK(e.code == code);
    CHECK(e.transient);
    CHECK(e.retry_after == 12000ms);
    CHECK(e.message.find("12 s") != std::string::npos);
  }
}

TEST_CASE("a 429 without a body or Retry-After still waits", "[slack][errors]") {
  auto e = map_api_failure({"users.list", 429, "", "", "", std::nullopt});
  CHECK(e.code == "ratelimited");
  CHECK(e.transient);
  REQUIRE(e.retry_after.has_value());
  CHECK(*e.retry_after > 0ms);
}

TEST_CASE("missing_scope names what is needed and what was granted", "[slack][errors]") {
  auto e = map_api_failure(
      {"users.lookupByEmail", 200, "missing_scope", "users:read.email", "chat:write", {}});
  CHECK(e.code == "missing_scope");
  CHECK_FALSE(e.transient);
  CHECK(e.message.find("users:read.email") != std::string::npos);
  CHECK(e.message.find("chat:write") != std::string::npos);
}

TEST_CASE("auth-dead codes are recognised", "[slack][errors]") {
  for (const char* code : {"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                           "token_expired", "team_disabled"}) {
    CHECK(bridgebot::slack::is_auth_dead(code));
  }
  CHECK_FALSE(bridgebot::slack::is_auth_dead("ratelimited"));
  CHECK_FALSE(bridgebot::slack::is_auth_dead("channel_not_found"));
}

TEST_CASE("non-JSON answers are invalid_response", "[slack][errors]") {
  auto e = bridgebot::slack::invalid_response("auth.test", 200);
  CHECK(e.code == "invalid_response");
  CHECK(e.message.find("auth.test") != std::string::npos);
}

TEST_CASE("incoming webhook answers map to codes, transience and deadness",
          "[slack][errors][webhook]") {
  struct Row {
    int status;
    const char* body;
    const char* code;
    bool transient;
    bool dead;
  };
  const Row rows[] = {
      {400, "invalid_payload", "invalid_payload", false, false},
      {403, "action_prohibited", "action_prohibited", false, false},
      {404, "channel_not_found", "channel_not_found", false, true},
      {404, "no_team", "no_team", false, true},
      {410, "channel_is_archived", "channel_is_archived", false, true},
      {404, "no_service", "no_service", false, true},
      {403, "invalid_token", "invalid_token", false, true},
      {404, "<html>not found</html>", "webhook_gone", false, true},
      {500, "rollup_error", "rollup_error", true, false},
      {503, "", "http_503", true, false},
      {429, "", "ratelimited", true, false},
  };
  for (const auto& row : rows) {
    INFO(row.status << " " << row.body);
    auto e = map_webhook_failure(row.status, row.body, std::nullopt);
    CHECK(e.code == row.code);
    CHECK(e.transient == row.transient);
    CHECK(is_dead_webhook(e) == row.dead);
  }
}

TEST_CASE("a webhook 429 keeps Slack's Retry-After", "[slack][errors][webhook]") {
  auto e = map_webhook_failure(429, "", 4000ms);
  CHECK(e.retry_after == 4000ms);
}
