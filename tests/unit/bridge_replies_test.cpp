// Which Slack DM messages are replies, and what the platform's reply webhook receives (pure
// parts of replies to the platform).
#include <catch2/catch.hpp>

#include "bridgebot/bridge/replies.h"
#include "bridgebot/core/json.h"

using namespace bridgebot;
using namespace bridgebot::bridge;

namespace {

std::optional<DmMessage> dm_of(const char* json) {
  auto doc = core::parse_json(json);
  REQUIRE(doc.ok());
  return dm_message_of("T0001", *doc, "UBOT");
}

}  // namespace

TEST_CASE("a person's message in a DM is a reply candidate", "[bridge][replies]") {
  auto dm = dm_of(R"({"type":"message","channel":"D0002","user":"U0002","text":"hi",
                      "ts":"1795255200.000200","thread_ts":"1795255200.000100",
                      "channel_type":"im"})");
  REQUIRE(dm);
  CHECK(dm->channel == "D0002");
  CHECK(dm->user == "U0002");
  CHECK(dm->thread_ts == "1795255200.000100");
  CHECK(reply_id(*dm) == "T0001:D0002:1795255200.000200");
  // A thread's parent carries thread_ts == ts: it is not in a thread.
  dm = dm_of(R"({"type":"message","channel":"D0002","user":"U0002","text":"hi",
                 "ts":"1.000200","thread_ts":"1.000200","channel_type":"im"})");
  REQUIRE(dm);
  CHECK(dm->thread_ts.empty());
}

TEST_CASE("bot messages, edits, other subtypes and other channels are not replies",
          "[bridge][replies]") {
  CHECK_FALSE(dm_of(R"({"type":"message","channel":"D0002","user":"U0002","bot_id":"B1",
                        "text":"x","ts":"1.1","channel_type":"im"})"));
  CHECK_FALSE(dm_of(R"({"type":"message","channel":"D0002","user":"UBOT","text":"x",
                        "ts":"1.1","channel_type":"im"})"));
  CHECK_FALSE(dm_of(R"({"type":"message","subtype":"message_changed","channel":"D0002",
                        "message":{"user":"U0002","text":"x"},"ts":"1.1","channel_type":"im"})"));
  CHECK_FALSE(dm_of(R"({"type":"message","subtype":"message_deleted","channel":"D0002",
                        "ts":"1.1","channel_type":"im"})"));
  CHECK_FALSE(dm_of(R"({"type":"message","channel":"C0001","user":"U0002","text":"x",
                        "ts":"1.1","channel_type":"channel"})"));
  CHECK_FALSE(dm_of(R"({"type":"app_home_opened","channel":"D0002","user":"U0002"})"));
}

TEST_CASE("Slack mrkdwn becomes plain text for the platform", "[bridge][replies]") {
  CHECK(plain_text("a &lt;b&gt; &amp; c") == "a <b> & c");
  CHECK(plain_text("hi <@U0001> in <#C0001|general> <!here>") == "hi @U0001 in #general @here");
  CHECK(plain_text("see <https://x.example/a?b=1&amp;c=2|the notes>") ==
        "see the notes (https://x.example/a?b=1&c=2)");
  CHECK(plain_text("<https://x.example>") == "https://x.example");
  CHECK(plain_text("<!subteam^S1|@team> ok") == "@team ok");
  CHECK(plain_text("unclosed < bracket") == "unclosed < bracket");
}

TEST_CASE("a Slack ts becomes an ISO-8601 UTC time", "[bridge][replies]") {
  CHECK(ts_to_iso8601("0.000000") == "1970-01-01T00:00:00.000000Z");
  CHECK(ts_to_iso8601("1795255200.000100") == "2026-11-21T10:00:00.000100Z");
  CHECK(ts_to_iso8601("1795255200") == "2026-11-21T10:00:00Z");
  CHECK(ts_to_iso8601("x.1").empty());
  CHECK(ts_to_iso8601("").empty());
}

TEST_CASE("the reply body has the fields the contract names", "[bridge][replies]") {
  const std::string body = encode_reply_body({"T0001:D0002:1.2", "msg-1", "U0002", "p-bob",
                                              "bob@example.com", "a \"quoted\" line", "1970Z"});
  auto doc = core::parse_json(body);
  REQUIRE(doc.ok());
  CHECK(core::json_string_or(*doc, "id") == "T0001:D0002:1.2");
  CHECK(core::json_string_or(*doc, "in_reply_to") == "msg-1");
  const auto* from = core::json_object(*doc, "from");
  REQUIRE(from != nullptr);
  CHECK(core::json_string_or(*from, "slack_user_id") == "U0002");
  CHECK(core::json_string_or(*from, "platform_user_id") == "p-bob");
  CHECK(core::json_string_or(*from, "email") == "bob@example.com");
  CHECK(core::json_string_or(*doc, "text") == "a \"quoted\" line");
  CHECK(core::json_string_or(*doc, "sent_at") == "1970Z");
}
