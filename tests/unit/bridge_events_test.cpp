// Slack events through the EventHandler table, against a real store.
#include <catch2/catch.hpp>

#include "bridge_fakes.h"
#include "bridgebot/bridge/events.h"
#include "bridgebot/core/json.h"

using namespace bridge_test;

namespace {

struct EventsFixture : BridgeFixture {
  bridge::EventHandler events{*store, slack, installations, directory, clock};

  Status handle(const std::string& json) {
    auto event = core::parse_json(json);
    REQUIRE(event.ok());
    return events.handle_event(kTeam, *event);
  }

  std::optional<store::Link> link_of(const std::string& platform_id) {
    auto link = store->get_link(kTeam, platform_id);
    REQUIRE(link.ok());
    return *link;
  }

  void connect(const std::string& platform_id) {
    auto link = *link_of(platform_id);
    link.user_token = store::UserToken{{1, 2, 3}, {}, std::nullopt};
    REQUIRE(store->put_link(link).ok());
  }
};

}  // namespace

TEST_CASE("app_uninstalled deletes everything synced for the workspace", "[bridge][events]") {
  EventsFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  f.accept(BridgeFixture::message());

  REQUIRE(f.handle(R"({"type":"app_uninstalled"})").ok());
  CHECK_FALSE(f.link_of("p-bob"));
  auto status = f.store->source_status(store::SourceKind::message, "msg-1");
  REQUIRE(status.ok());
  CHECK_FALSE(status->has_value());
  f.drain();
  CHECK(f.slack.posts().empty());
}

TEST_CASE("tokens_revoked: a bot token purges, user tokens leave email links", "[bridge][events]") {
  EventsFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.connect("p-alice");
  f.connect("p-bob");

  SECTION("user tokens") {
    REQUIRE(f.handle(R"({"type":"tokens_revoked","tokens":{"oauth":["U1"]}})").ok());
    auto alice = f.link_of("p-alice");
    REQUIRE(alice);
    CHECK_FALSE(alice->user_token);
    CHECK(alice->slack_user_id == "U1");
    CHECK(f.link_of("p-bob")->user_token);
  }
  SECTION("the bot token") {
    REQUIRE(f.handle(R"({"type":"tokens_revoked","tokens":{"bot":["UBOT"]}})").ok());
    CHECK_FALSE(f.link_of("p-alice"));
    CHECK_FALSE(f.link_of("p-bob"));
  }
}

TEST_CASE("user_change and team_join reach the directory", "[bridge][events]") {
  EventsFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  REQUIRE(f.handle(R"({"type":"user_change","user":{"id":"U2","deleted":true,
                       "profile":{"email":"bob@example.com"}}})")
              .ok());
  CHECK_FALSE(f.link_of("p-bob"));

  REQUIRE(f.handle(R"({"type":"team_join","user":{"id":"U6",
                       "profile":{"email":"dana@example.com","real_name":"Dana"}}})")
              .ok());
  auto found = f.directory.find_by_email(kTeam, "dana@example.com");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->slack_user_id == "U6");
  CHECK(f.slack.lookup_calls() == 0);

  CHECK_FALSE(f.handle(R"({"type":"user_change"})").ok());
}

TEST_CASE("opening the Home tab publishes whether the user is linked", "[bridge][events]") {
  EventsFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  REQUIRE(f.handle(R"({"type":"app_home_opened","user":"U2","channel":"D2","tab":"home"})").ok());
  REQUIRE(f.handle(R"({"type":"app_home_opened","user":"U3","channel":"D3","tab":"home"})").ok());
  REQUIRE(f.handle(R"({"type":"app_home_opened","user":"U3","tab":"messages"})").ok());

  const auto views = f.slack.views();
  REQUIRE(views.size() == 2);
  CHECK(views[0].user_id == "U2");
  CHECK(views[0].view_json.find("You are linked") != std::string::npos);
  CHECK(views[1].user_id == "U3");
  CHECK(views[1].view_json.find("not linked") != std::string::npos);
}

TEST_CASE("unknown event types are ignored", "[bridge][events]") {
  EventsFixture f;
  CHECK(f.handle(R"({"type":"reaction_added","user":"U1"})").ok());
  CHECK(f.handle(R"({"no_type":true})").ok());
  CHECK(f.slack.posts().empty());
  CHECK(f.slack.views().empty());
}
