// Slack's v0 request signature and the Events API request bodies.
#include <catch2/catch.hpp>

#include "bridgebot/slack/events_api.h"

using namespace bridgebot::slack;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kBody = R"({"type":"event_callback","event_id":"Ev1"})";

}  // namespace

TEST_CASE("the signature is v0= hex HMAC-SHA256 over v0:timestamp:body", "[slack][events_api]") {
  // Computed independently (Python's hmac module).
  CHECK(slack_signature("secret", kNow, kBody) ==
        "v0=ec1c9603aad2439b1cb6df1db0725760891f7c03c013bb187475480a642d9642");
}

TEST_CASE("a forged, changed or stale request is refused", "[slack][events_api]") {
  const std::string good = slack_signature("secret", kNow, kBody);
  CHECK(verify_slack_signature("secret", std::to_string(kNow), good, kBody, kNow).ok());
  CHECK(verify_slack_signature("other", std::to_string(kNow), good, kBody, kNow).error().code ==
        "invalid_signature");
  CHECK(verify_slack_signature("secret", std::to_string(kNow), good, kBody + " ", kNow)
            .error()
            .code == "invalid_signature");
  CHECK(verify_slack_signature("secret", std::to_string(kNow), "", kBody, kNow).error().code ==
        "invalid_signature");
  // Five minutes either way is the window.
  const std::string old = slack_signature("secret", kNow - 300, kBody);
  CHECK(verify_slack_signature("secret", std::to_string(kNow - 300), old, kBody, kNow).ok());
  const std::string older = slack_signature("secret", kNow - 301, kBody);
  CHECK(verify_slack_signature("secret", std::to_string(kNow - 301), older, kBody, kNow)
            .error()
            .code == "stale_timestamp");
  for (const char* bad : {"", "abc", "1700000000.5", " 1700000000"}) {
    INFO(bad);
    CHECK(verify_slack_signature("secret", bad, good, kBody, kNow).error().code ==
          "stale_timestamp");
  }
}

TEST_CASE("Events API bodies are told apart", "[slack][events_api]") {
  auto verification =
      parse_events_api_request(R"({"token":"t","challenge":"abc123","type":"url_verification"})");
  CHECK(verification.type == EventsApiRequest::Type::url_verification);
  CHECK(verification.challenge == "abc123");

  auto callback = parse_events_api_request(
      R"({"type":"event_callback","team_id":"T1","event_id":"Ev9","event":{"type":"user_change","user":{"id":"U1"}}})");
  CHECK(callback.type == EventsApiRequest::Type::event_callback);
  CHECK(callback.team_id == "T1");
  CHECK(callback.event_id == "Ev9");
  CHECK(callback.event_type == "user_change");
  CHECK(callback.event_json == R"({"type":"user_change","user":{"id":"U1"}})");

  CHECK(parse_events_api_request(R"({"type":"app_rate_limited"})").type ==
        EventsApiRequest::Type::other);
  for (const char* bad : {"", "[]", "not json", "\"text\""}) {
    CHECK(parse_events_api_request(bad).type == EventsApiRequest::Type::invalid);
  }
}
