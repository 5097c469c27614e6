// Pacing and retries of WebApi on a FakeClock: Retry-After honoured exactly and scoped to what it
// limits, 5xx and network errors repeated only where a repeat cannot act twice.
#include <catch2/catch.hpp>

#include "bridgebot/slack/errors.h"
#include "unit/slack_fake_http.h"

using namespace slack_test;
using namespace std::chrono_literals;
using bridgebot::slack::RetryPolicy;
using bridgebot::slack::TeamToken;

namespace {

const TeamToken kBot{"T1", "xoxb-secret-token"};
const char* kUser = R"({"ok":true,"user":{"id":"U1"}})";
const char* kPosted = R"({"ok":true,"channel":"C1","ts":"1.1"})";

RetryPolicy policy(int attempts, std::chrono::milliseconds max_wait = 30s) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.max_wait = max_wait;
  return p;
}

}  // namespace

TEST_CASE("a 429 is retried exactly Retry-After later, not before", "[slack][retry]") {
  Harness h;
  h.http.answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "7"}});
  h.http.answer_ok(kUser);

  auto user = h.api.users_info(kBot, "U1");

  REQUIRE(user.ok());
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].at - sent[0].at == 7s);
}

TEST_CASE("chat.postMessage's rate_limited is retried after Retry-After (nothing was posted)",
          "[slack][retry]") {
  Harness h;
  h.http.answer(429, R"({"ok":false,"error":"rate_limited"})", {{"Retry-After", "2"}});
  h.http.answer_ok(kPosted);

  auto posted = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});

  REQUIRE(posted.ok());
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].at - sent[0].at == 2s);
}

TEST_CASE(
    "a Retry-After beyond the wait budget is handed back, and nothing of that method is "
    "sent before it elapses",
    "[slack][retry]") {
  Harness h(policy(4, 10s));
  h.http.answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "60"}});

  auto first = h.api.users_info(kBot, "U1");

  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == "ratelimited");
  CHECK(first.error().transient);
  CHECK(first.error().retry_after == std::chrono::milliseconds(60s));
  CHECK_FALSE(first.error().not_attempted);  // Slack was asked
  CHECK(h.http.count() == 1);

  h.clock.advance(30s);
  auto during = h.api.users_info(kBot, "U1");
  REQUIRE_FALSE(during.ok());
  CHECK(during.error().code == "ratelimited");
  CHECK(during.error().retry_after == std::chrono::milliseconds(30s));
  CHECK(during.error().not_attempted);  // our own pacing held it back: nothing was sent
  CHECK(h.http.count() == 1);

  h.clock.advance(30s);
  h.http.answer_ok(kUser);
  CHECK(h.api.users_info(kBot, "U1").ok());
  CHECK(h.http.count() == 2);
}

TEST_CASE("a 429 on one channel does not hold back other channels or other methods",
          "[slack][retry]") {
  Harness h(policy(4, 5s));
  h.http.answer(429, R"({"ok":false,"error":"rate_limited"})", {{"Retry-After", "30"}});
  auto blocked = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});
  REQUIRE_FALSE(blocked.ok());
  const auto start = h.clock.now();

  h.http.answer_ok(R"({"ok":true,"channel":"C2","ts":"1.2"})");
  h.http.answer_ok(kUser);
  CHECK(h.api.chat_post_message(kBot, {.channel = "C2", .text = "x"}).ok());
  CHECK(h.api.users_info(kBot, "U1").ok());

  CHECK(h.clock.now() == start);  // neither call waited
  auto again = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == "ratelimited");
  CHECK(h.http.count() == 3);
}

TEST_CASE("a 429 in one workspace does not hold back another", "[slack][retry]") {
  Harness h(policy(4, 5s));
  h.http.answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "30"}});
  REQUIRE_FALSE(h.api.users_info(kBot, "U1").ok());

  h.http.answer_ok(kUser);
  CHECK(h.api.users_info({"T2", "xoxb-other"}, "U1").ok());
  CHECK(h.http.count() == 2);
}

TEST_CASE("5xx is retried with backoff for a read method", "[slack][retry]") {
  Harness h;
  h.http.answer(503, "Service Unavailable");
  h.http.answer(500, R"({"ok":false,"error":"internal_error"})");
  h.http.answer_ok(kUser);

  auto user = h.api.users_info(kBot, "U1");

  REQUIRE(user.ok());
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 3);
  // Default policy 500 ms doubling, jitter 0.5 -> 75% of base.
  CHECK(sent[1].at - sent[0].at == 375ms);
  CHECK(sent[2].at - sent[1].at == 750ms);
}

TEST_CASE("5xx is not retried for chat.postMessage: it may have posted", "[slack][retry]") {
  Harness h;
  h.http.answer(503, "Service Unavailable");

  auto posted = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});

  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "http_503");
  CHECK(posted.error().transient);
  CHECK(h.http.count() == 1);
}

TEST_CASE("a timeout is not retried for chat.postMessage but is for conversations.open",
          "[slack][retry]") {
  Harness h;
  h.http.fail("timeout");
  auto posted = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});
  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "timeout");
  CHECK(posted.error().transient);
  CHECK(h.http.count() == 1);

  h.http.fail("connection_closed");
  h.http.answer_ok(R"({"ok":true,"channel":{"id":"D1"}})");
  CHECK(h.api.conversations_open(kBot, "U1").ok());
  CHECK(h.http.count() == 3);
}

TEST_CASE("connect_failed is retried even for chat.postMessage: nothing reached Slack",
          "[slack][retry]") {
  Harness h;
  h.http.fail("connect_failed");
  h.http.fail("dns_failed");
  h.http.answer_ok(kPosted);

  CHECK(h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"}).ok());
  CHECK(h.http.count() == 3);
}

TEST_CASE(
    "a chat.postMessage that timed out waiting for a connection is retried (never sent), one "
    "that timed out after it went out is not",
    "[slack][retry]") {
  Harness h;
  h.http.fail("queue_timeout");
  h.http.answer_ok(kPosted);
  CHECK(h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"}).ok());
  CHECK(h.http.count() == 2);

  h.http.fail("timeout");
  auto posted = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});
  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "timeout");
  CHECK(h.http.count() == 3);
}

TEST_CASE("oauth.v2.access is not repeated after a timeout: the refresh token works once",
          "[slack][retry][oauth]") {
  Harness h;
  h.http.fail("timeout");

  auto access =
      h.api.oauth_v2_access({"id", "secret"}, bridgebot::slack::OAuthGrant::refresh("xoxe-1-old"));

  REQUIRE_FALSE(access.ok());
  CHECK(h.http.count() == 1);
}

TEST_CASE("retries stop after max_attempts with the last error", "[slack][retry]") {
  Harness h(policy(3));
  for (int i = 0; i < 5; ++i) h.http.answer(502, "Bad Gateway");

  auto user = h.api.users_info(kBot, "U1");

  REQUIRE_FALSE(user.ok());
  CHECK(user.error().code == "http_502");
  CHECK(h.http.count() == 3);
}

TEST_CASE("permanent errors are never retried", "[slack][retry]") {
  Harness h;
  h.http.answer_ok(R"({"ok":false,"error":"token_revoked"})");
  h.http.fail("tls_failed", false);

  auto revoked = h.api.auth_test(kBot);
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.error().code == "token_revoked");
  CHECK_FALSE(revoked.error().transient);

  auto tls = h.api.auth_test(kBot);
  REQUIRE_FALSE(tls.ok());
  CHECK(tls.error().code == "tls_failed");
  CHECK_FALSE(tls.error().transient);
  CHECK(h.http.count() == 2);
}

TEST_CASE("network errors keep their code and never echo the token", "[slack][retry]") {
  Harness h(policy(1));
  h.http.fail("io_error", true, "write failed while sending Bearer xoxb-secret-token");

  auto result = h.api.auth_test(kBot);

  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == "io_error");
  CHECK(result.error().transient);
  CHECK(result.error().message.find("auth.test") != std::string::npos);
  CHECK(result.error().message.find("xoxb-secret-token") == std::string::npos);
}

TEST_CASE("webhook network errors never echo the webhook URL", "[slack][webhook]") {
  Harness h(policy(1));
  const std::string url = "https://hooks.slack.test/services/T1/B1/secretpath";
  h.http.fail("connect_failed", true,
              "cannot connect for POST /services/T1/B1/secretpath (" + url + ")");

  auto status = h.api.post_incoming_webhook("T1", url, "{}");

  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == "connect_failed");
  CHECK(status.error().message.find("secretpath") == std::string::npos);
}

TEST_CASE("a webhook 429 is retried after Retry-After, a webhook 500 is not", "[slack][webhook]") {
  Harness h;
  const std::string url = "https://hooks.slack.test/services/T1/B1/x";
  h.http.answer(429, "rate limited", {{"Retry-After", "3"}});
  h.http.answer(200, "ok");
  CHECK(h.api.post_incoming_webhook("T1", url, "{}").ok());
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].at - sent[0].at == 3s);

  h.http.answer(500, "rollup_error");
  auto failed = h.api.post_incoming_webhook("T1", url, "{}");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().transient);
  CHECK_FALSE(bridgebot::slack::is_dead_webhook(failed.error()));
  CHECK(h.http.count() == 3);
}

TEST_CASE("posts to one channel go in a short burst, then one per second", "[slack][retry]") {
  Harness h;
  for (int i = 0; i < 5; ++i) h.http.answer_ok(kPosted);

  for (int i = 0; i < 5; ++i) {
    REQUIRE(h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"}).ok());
  }

  auto sent = h.http.sent();
  REQUIRE(sent.size() == 5);
  CHECK(sent[2].at == sent[0].at);  // burst of 3
  CHECK(sent[3].at - sent[0].at == 1s);
  CHECK(sent[4].at - sent[0].at == 2s);
}

TEST_CASE("an absurd Retry-After is handed back to the caller, not slept through",
          "[slack][retry]") {
  Harness h;
  h.http.answer(429, "", {{"Retry-After", "99999999999999999"}});

  auto user = h.api.users_info(kBot, "U1");

  REQUIRE_FALSE(user.ok());
  CHECK(user.error().code == "ratelimited");
  CHECK(user.error().retry_after == std::chrono::milliseconds(24h));
  CHECK(h.http.count() == 1);
}
