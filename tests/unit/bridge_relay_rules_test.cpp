#include <catch2/catch.hpp>

#include "bridgebot/bridge/relay_rules.h"

using namespace bridgebot::bridge;

namespace {

Mention user(std::string id, std::string email = {}) {
  return Mention{MentionType::user, std::move(id), std::move(email), "Name"};
}
Mention group(MentionType type) {
  return Mention{type, "", "", ""};
}

PlatformMessage message_with(std::vector<Mention> mentions) {
  PlatformMessage m;
  m.id = "msg-1";
  m.sender = PlatformUser{"p-alice", "Alice@Example.com", "Alice", "", false};
  m.mentions = std::move(mentions);
  return m;
}

}  // namespace

TEST_CASE("relay rule table", "[bridge][relay]") {
  struct Row {
    const char* name;
    std::vector<Mention> mentions;
    bool relay;
    const char* reason;
  };
  const std::vector<Row> rows = {
      {"one other person", {user("p-bob")}, true, ""},
      {"the same person twice", {user("p-bob"), user("p-bob")}, true, ""},
      {"no mention", {}, false, "no_mention"},
      {"@all", {group(MentionType::all)}, false, "group_mention"},
      {"@here", {group(MentionType::here)}, false, "group_mention"},
      {"a group", {group(MentionType::group)}, false, "group_mention"},
      {"a person and @all", {user("p-bob"), group(MentionType::all)}, false, "group_mention"},
      {"@here before a person", {group(MentionType::here), user("p-bob")}, false, "group_mention"},
      {"two people", {user("p-bob"), user("p-carol")}, false, "multiple_recipients"},
      {"the sender themself", {user("p-alice")}, false, "self_mention"},
      {"the sender by email, any case", {user("", " alice@example.COM ")}, false, "self_mention"},
      {"the sender and someone else",
       {user("p-alice"), user("p-bob")},
       false,
       "multiple_recipients"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto decision = decide_relay(message_with(row.mentions));
    CHECK(decision.relay == row.relay);
    CHECK(decision.ignore_reason == row.reason);
    if (row.relay) {
      REQUIRE(decision.recipient.has_value());
      CHECK(decision.recipient->id == "p-bob");
    }
  }
}

TEST_CASE("emails are trimmed and lower-cased, nothing else", "[bridge][email]") {
  CHECK(normalize_email("  Bob.Smith+tag@Example.COM\t") == "bob.smith+tag@example.com");
  CHECK(normalize_email("bob@example.com") == "bob@example.com");
  CHECK(normalize_email("   ") == "");
}

TEST_CASE("identity is the platform id and a visitor claiming the recipient's email is not them",
          "[bridge][relay]") {
  // A visitor (external) who typed Bob's email as their own mentions Bob: Bob gets the DM.
  PlatformMessage visitor = message_with({user("p-bob", "bob@example.com")});
  visitor.sender = PlatformUser{"guest-17", "BOB@example.com", "Bob?", "", true};
  auto decision = decide_relay(visitor);
  CHECK(decision.relay);
  CHECK(decision.ignore_reason.empty());
  // Even when the mention carries only the email.
  visitor.mentions = {user("", "bob@example.com")};
  CHECK(decide_relay(visitor).relay);
  // Two platform accounts that share an email are two people.
  PlatformMessage shared = message_with({user("p-alice-2", "alice@example.com")});
  CHECK(decide_relay(shared).relay);
  // A visitor mentioning their own platform id is still a self-mention.
  visitor.mentions = {user("guest-17")};
  CHECK(decide_relay(visitor).ignore_reason == "self_mention");
}
