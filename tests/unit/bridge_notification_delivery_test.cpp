// Notifications end to end: accepted destination items → dispatcher → channel posts (threaded by
// thread_key) and incoming webhooks.
#include <catch2/catch.hpp>

#include "bridge_fakes.h"
#include "bridgebot/core/json.h"

using namespace bridge_test;
using bridgebot::store::ItemStatus;
using bridgebot::store::SourceKind;

namespace {

const std::string kAlertsHook = "https://hooks.slack.com/services/T1/B1/secret";

core::RouteDestination channel(std::string id) {
  return {std::move(id), "", false};
}
core::RouteDestination webhook(std::string url) {
  return {"", std::move(url), false};
}

struct NotificationFixture : BridgeFixture {
  NotificationFixture() {
    options.routes = {
        {{"helpdesk"}, {}, {channel("C0123")}},
        {{}, {"critical"}, {webhook(kAlertsHook)}},
        {{"billing"}, {}, {{"", "", true}}},
    };
  }

  // Accepts a notification to every destination its routes name, as the accept path does.
  void send(const bridge::PlatformNotification& n) {
    std::vector<std::string> keys;
    for (const auto& d : bridge::match_routes(options.routes, n)) {
      keys.push_back(bridge::destination_key(d));
    }
    REQUIRE_FALSE(keys.empty());
    accept(n, keys);
  }

  static bridge::PlatformNotification ticket(std::string id, std::string thread_key = "ticket-42") {
    bridge::PlatformNotification n;
    n.id = std::move(id);
    n.team_id = kTeam;
    n.route = "helpdesk";
    n.title = "Ticket #42 updated";
    n.text = "Customer reports the printer is on fire";
    n.thread_key = std::move(thread_key);
    return n;
  }
};

}  // namespace

TEST_CASE("notifications with one thread_key thread under the first post",
          "[bridge][notifications]") {
  NotificationFixture f;
  f.send(NotificationFixture::ticket("evt-1"));
  f.send(NotificationFixture::ticket("evt-2"));
  f.drain();
  f.send(NotificationFixture::ticket("evt-3", "ticket-43"));
  f.drain();

  const auto posts = f.slack.posts();
  REQUIRE(posts.size() == 3);
  CHECK(posts[0].request.channel == "C0123");
  CHECK(posts[0].request.thread_ts.empty());
  CHECK(posts[0].request.text.find("Ticket #42 updated") != std::string::npos);

  const auto first = f.status("evt-1", SourceKind::notification);
  CHECK(first.status == ItemStatus::delivered);
  REQUIRE(first.deliveries.size() == 1);
  CHECK(first.deliveries[0].channel == "C0123");
  CHECK(posts[1].request.thread_ts == first.deliveries[0].ts);
  CHECK(posts[1].request.channel == "C0123");
  // Another ticket starts its own thread.
  CHECK(posts[2].request.thread_ts.empty());
}

TEST_CASE("notifications without a thread_key are separate posts", "[bridge][notifications]") {
  NotificationFixture f;
  f.send(NotificationFixture::ticket("evt-1", ""));
  f.send(NotificationFixture::ticket("evt-2", ""));
  f.drain();
  const auto posts = f.slack.posts();
  REQUIRE(posts.size() == 2);
  CHECK(posts[1].request.thread_ts.empty());
}

TEST_CASE("a webhook destination gets the message as JSON, never threaded",
          "[bridge][notifications]") {
  NotificationFixture f;
  auto n = NotificationFixture::ticket("evt-1");
  n.severity = "critical";  // also matches the alerts webhook
  f.send(n);
  n.id = "evt-2";
  f.send(n);
  f.drain();

  const auto hooks = f.slack.webhooks();
  REQUIRE(hooks.size() == 2);
  CHECK(hooks[0].url == kAlertsHook);
  auto body = core::parse_json(hooks[0].body);
  REQUIRE(body.ok());
  CHECK(std::string((*body)["text"].GetString()).rfind(":rotating_light: *Critical*", 0) == 0);
  CHECK((*body)["blocks"].IsArray());
  CHECK(body->FindMember("thread_ts") == body->MemberEnd());

  const auto status = f.status("evt-1", SourceKind::notification);
  CHECK(status.status == ItemStatus::delivered);
  CHECK(status.deliveries.size() == 2);  // the channel and the webhook
  for (const auto& d : status.deliveries) {
    CHECK(d.channel.find("secret") == std::string::npos);  // the URL is never recorded
  }
}

TEST_CASE("a dead webhook fails with Slack's reason; a throttled one waits",
          "[bridge][notifications]") {
  NotificationFixture f;
  auto n = NotificationFixture::ticket("evt-1");
  n.route = "other";
  n.severity = "critical";

  SECTION("dead") {
    f.slack.fail_next_webhooks({slack::map_webhook_failure(404, "channel_not_found", {})});
    f.send(n);
    f.drain();
    CHECK(f.status("evt-1", SourceKind::notification).reason == "channel_not_found");
    CHECK(f.status("evt-1", SourceKind::notification).status == ItemStatus::failed);
  }
  SECTION("rate limited") {
    f.slack.fail_next_webhooks(
        {slack::map_webhook_failure(429, "", std::chrono::milliseconds(1500))});
    f.send(n);
    f.drain();
    f.clock.advance(std::chrono::seconds(1));
    f.drain();
    CHECK(f.slack.webhooks().empty());
    f.clock.advance(std::chrono::seconds(1));
    f.drain();
    CHECK(f.slack.webhooks().size() == 1);
  }
}

TEST_CASE("the default destination is the installation's channel, else its webhook",
          "[bridge][notifications]") {
  NotificationFixture f;
  auto n = NotificationFixture::ticket("evt-1", "");
  n.route = "billing";
  auto installation = BridgeFixture::installation();

  SECTION("notification channel") {
    installation.notification_channel = "C0DEFAULT";
    installation.incoming_webhook_url = "https://hooks.slack.com/services/T1/B2/install";
    f.installations.install(installation);
    f.send(n);
    f.drain();
    REQUIRE(f.slack.posts().size() == 1);
    CHECK(f.slack.posts()[0].request.channel == "C0DEFAULT");
    CHECK(f.slack.webhooks().empty());
  }
  SECTION("install-time webhook") {
    installation.incoming_webhook_url = "https://hooks.slack.com/services/T1/B2/install";
    f.installations.install(installation);
    f.send(n);
    f.drain();
    REQUIRE(f.slack.webhooks().size() == 1);
    CHECK(f.slack.webhooks()[0].url == installation.incoming_webhook_url);
  }
  SECTION("neither") {
    f.send(n);
    f.drain();
    const auto status = f.status("evt-1", SourceKind::notification);
    CHECK(status.status == ItemStatus::failed);
    CHECK(status.reason == "no_default_destination");
  }
}

TEST_CASE("a destination removed from the configuration fails instead of guessing",
          "[bridge][notifications]") {
  NotificationFixture f;
  f.send(NotificationFixture::ticket("evt-1"));
  f.options.routes.clear();  // restarted with the helpdesk route gone
  f.drain();
  CHECK(f.status("evt-1", SourceKind::notification).reason == "unknown_destination");
  CHECK(f.slack.posts().empty());
}
