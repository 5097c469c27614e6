// The retry schedule and the decision of what may be repeated.
#include <catch2/catch.hpp>

#include "bridgebot/slack/backoff.h"

using bridgebot::make_error;
using bridgebot::slack::backoff_delay;
using bridgebot::slack::BackoffPolicy;
using bridgebot::slack::retry_kind;
using bridgebot::slack::RetryKind;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles, is capped, and jitter stays within [base/2, base]",
          "[slack][backoff]") {
  BackoffPolicy policy{500ms, 2.0, 30'000ms};
  const std::chrono::milliseconds bases[] = {500ms,   1000ms,  2000ms,  4000ms, 8000ms,
                                             16000ms, 30000ms, 30000ms, 30000ms};
  for (int retry = 0; retry < 9; ++retry) {
    INFO("retry " << retry);
    CHECK(backoff_delay(policy, retry, 0.0) == bases[retry] / 2);
    CHECK(backoff_delay(policy, retry, 0.999999) <= bases[retry]);
    CHECK(backoff_delay(policy, retry, 0.999999) > bases[retry] * 9 / 10);
  }
  CHECK(backoff_delay(policy, 1000, 1.0) == 30'000ms);  // no overflow far out
}

TEST_CASE("what may be repeated depends on whether Slack may already have acted",
          "[slack][backoff]") {
  struct Row {
    const char* method;
    const char* code;
    bool transient;
    RetryKind expected;
  };
  const Row rows[] = {
      {"chat.postMessage", "connect_failed", true, RetryKind::backoff},
      {"chat.postMessage", "dns_failed", true, RetryKind::backoff},
      {"chat.postMessage", "timeout", true, RetryKind::none},
      {"chat.postMessage", "queue_timeout", true, RetryKind::backoff},
      {"oauth.v2.access", "queue_timeout", true, RetryKind::backoff},
      {"chat.postMessage", "connection_closed", true, RetryKind::none},
      {"chat.postMessage", "http_503", true, RetryKind::none},
      {"chat.postMessage", "internal_error", true, RetryKind::none},
      {"chat.postMessage", "rate_limited", true, RetryKind::after_limit},
      {"oauth.v2.access", "timeout", true, RetryKind::none},
      {"users.list", "timeout", true, RetryKind::backoff},
      {"users.info", "http_500", true, RetryKind::backoff},
      {"auth.test", "connection_closed", true, RetryKind::backoff},
      {"conversations.open", "fatal_error", true, RetryKind::backoff},
      {"apps.connections.open", "timeout", true, RetryKind::backoff},
      {"users.info", "invalid_auth", false, RetryKind::none},
      {"users.info", "tls_failed", false, RetryKind::none},
      {"users.info", "ratelimited", true, RetryKind::after_limit},
  };
  for (const auto& row : rows) {
    INFO(row.method << " " << row.code);
    CHECK(retry_kind(row.method, make_error(row.code, "", row.transient)) == row.expected);
  }
}
