// One parser for user objects from users.list/info/lookupByEmail and user_change events.
#include "bridgebot/slack/slack_user.h"

#include <catch2/catch.hpp>

using bridgebot::slack::parse_slack_user_json;

TEST_CASE("a full user object fills every field", "[slack][user]") {
  auto u = parse_slack_user_json(R"({"id":"W012A3CDE","team_id":"T1","name":"spengler",
      "deleted":true,"real_name":"top-level","is_bot":false,"is_app_user":true,
      "is_restricted":true,"is_ultra_restricted":true,
      "profile":{"real_name":"Egon Spengler","display_name":"spengler",
                 "email":"spengler@ghostbusters.example.com",
                 "image_48":"https://img/48.jpg","image_192":"https://img/192.jpg"}})");

  REQUIRE(u.ok());
  CHECK(u->id == "W012A3CDE");
  CHECK(u->team_id == "T1");
  CHECK(u->name == "spengler");
  CHECK(u->real_name == "Egon Spengler");
  CHECK(u->display_name == "spengler");
  CHECK(u->email == "spengler@ghostbusters.example.com");
  CHECK(u->image_url == "https://img/192.jpg");
  CHECK(u->deleted);
  CHECK_FALSE(u->is_bot);
  CHECK(u->is_app_user);
  CHECK(u->is_restricted);
  CHECK(u->is_ultra_restricted);
}

TEST_CASE("missing optional fields read as empty or false", "[slack][user]") {
  auto u = parse_slack_user_json(R"({"id":"U1","real_name":"Only Top","profile":null,
                                     "deleted":"yes"})");
  REQUIRE(u.ok());
  CHECK(u->real_name == "Only Top");
  CHECK(u->email.empty());
  CHECK(u->image_url.empty());
  CHECK_FALSE(u->deleted);  // mistyped: not a bool
}

TEST_CASE("a user without an id, or not JSON, is refused", "[slack][user]") {
  for (const char* bad : {R"({"name":"x"})", R"([])", R"({"id":42})", "not json", ""}) {
    INFO(bad);
    auto u = parse_slack_user_json(bad);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().code == "invalid_response");
  }
}

TEST_CASE("Slackbot is recognised by its id", "[slack][user]") {
  auto u = parse_slack_user_json(R"({"id":"USLACKBOT","is_bot":false})");
  REQUIRE(u.ok());
  CHECK(u->is_slackbot());
  CHECK_FALSE(u->is_bot);
}
