// A burst against an emulated Slack that enforces its rate limits: everything arrives, and the
// bot never calls inside a Retry-After window it was told. Slow (about a minute: the bot paces
// chat.postMessage to one per second per channel, as Slack asks, so 50 posts to one channel take
// at least ~48 s), hence [slow]; it still runs in ctest.
#include <catch2/catch.hpp>
#include <set>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

TEST_CASE(
    "a burst of 200 DMs and 50 channel notifications under rate limits: all delivered, "
    "no call inside a Retry-After",
    "[cli][burst][slow]") {
  Bridge bridge;
  bridge.settings.require_recipient_link = false;
  // A bot token without im:write: DMs go to the user id (no conversations.open per recipient,
  // which Slack limits to Tier 3, 50/min, and would make 200 first contacts take minutes).
  bridge.emulator.with_state([&](emu::State& state) {
    state.add(emu::Token{"xoxb-test-acme-burst",
                         "T0001",
                         emu::TokenKind::bot,
                         {"users:read", "users:read.email", "chat:write"},
                         bridge.demo.bot_user_id,
                         bridge.demo.app_id});
    return 0;
  });
  bridge.settings.bot_token = "xoxb-test-acme-burst";
  const auto people = add_slack_users(bridge.emulator, "T0001", 1000, 200);

  // Slack's published limits (Tier 2: 20/min for users.list, ...), with one chat.postMessage
  // per channel per second and a burst of 2 (Slack allows "short bursts"; the bot's own pacing
  // allows 3), so the emulator answers some posts 429 + Retry-After on its own.
  emu::RateLimitConfig limits;
  limits.enabled = true;
  limits.tier1_per_minute = 1;
  limits.tier2_per_minute = 20;
  limits.tier3_per_minute = 50;
  limits.tier4_per_minute = 100;
  limits.post_per_second = 1.0;
  limits.post_burst = 2;
  bridge.emulator.set_rate_limits(limits);

  bridge.start_bot();
  // The start-up directory sweep pages through users.list (206 users, 200 a page); once both
  // pages were served the DMs find their recipients in the cache instead of one
  // users.lookupByEmail (Tier 3) each.
  REQUIRE(wait_until([&] { return bridge.emulator.calls_of("users.list").size() >= 2; }, 30s));

  // And the first posts are told to wait regardless, while both dispatcher workers are busy
  // with the burst: a Retry-After told to one worker must hold the other back too.
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::ratelimited(2s), 4);

  const auto started = std::chrono::steady_clock::now();
  const Person visitor{"v-burst", "visitor@outside.example", "Burst Visitor", true};
  std::vector<std::string> message_ids;
  std::vector<std::string> notification_ids;
  for (std::size_t i = 0; i < people.size(); ++i) {
    message_ids.push_back("burst-msg-" + std::to_string(i));
    const auto response = bridge.api->post(
        "/v1/messages", message_body(message_ids.back(), visitor, {user_mention(people[i])},
                                     "burst " + std::to_string(i)));
    REQUIRE(response.status == 202);
    if (i % 4 == 0) {
      notification_ids.push_back("burst-evt-" + std::to_string(i / 4));
      const auto queued = bridge.api->post(
          "/v1/notifications",
          notification_body(notification_ids.back(), "helpdesk", "Burst " + std::to_string(i / 4),
                            "event " + std::to_string(i / 4)));
      REQUIRE(queued.status == 202);
    }
  }
  REQUIRE(notification_ids.size() == 50);

  const std::size_t expected = message_ids.size() + notification_ids.size();
  const bool all_arrived =
      wait_until([&] { return bridge.emulator.messages().size() >= expected; }, 150s, 100ms);
  const auto took =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  INFO(bridge.bot->output_tail());
  CHECK(all_arrived);

  for (const auto& id : message_ids) {
    const std::string state = bridge.wait_final(id, false, 10s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }
  for (const auto& id : notification_ids) {
    const std::string state = bridge.wait_final(id, true, 10s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }
  // Each DM went to its own recipient, each notification to #helpdesk, nothing twice.
  const auto messages = bridge.emulator.messages();
  std::set<std::string> dm_channels;
  for (const auto& m : messages) {
    if (m.channel != bridge.demo.helpdesk_channel) dm_channels.insert(m.channel);
  }
  CHECK(messages.size() == expected);
  CHECK(dm_channels.size() == people.size());
  CHECK(bridge.emulator.messages_in(bridge.demo.helpdesk_channel).size() == 50);

  std::size_t told_to_wait = 0;
  for (const auto& call : bridge.emulator.calls()) told_to_wait += call.http_status == 429;
  const auto violations = bridge.emulator.rate_limit_violations();
  for (const auto& v : violations) UNSCOPED_INFO("violation in " << v.scope);
  CHECK(violations.empty());
  // Without any 429 the check above proves nothing about honouring Retry-After.
  CHECK(told_to_wait > 0);
  WARN("burst: " << expected << " posts in " << took.count() << " s; " << told_to_wait
                 << " calls answered 429; "
                 << bridge.emulator.calls_of("users.lookupByEmail").size()
                 << " users.lookupByEmail calls");
}

TEST_CASE("a Retry-After told for a channel holds back every worker posting there",
          "[cli][burst][slow]") {
  Bridge bridge;
  emu::RateLimitConfig limits;  // Slack's numbers: about one post per channel per second
  limits.enabled = true;
  bridge.emulator.set_rate_limits(limits);
  bridge.start_bot();

  // Notifications to one channel only: both dispatcher workers post there, each holding a paced
  // slot, so a 429 answered to one finds the other already waiting for its turn.
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back("paced-evt-" + std::to_string(i));
    REQUIRE(bridge.api
                ->post("/v1/notifications",
                       notification_body(ids.back(), "helpdesk", "Paced " + std::to_string(i), "x"))
                .status == 202);
  }
  // Past the initial burst, at the steady pace: then Slack says "wait 2 s", three times.
  REQUIRE(wait_until(
      [&] { return bridge.emulator.messages_in(bridge.demo.helpdesk_channel).size() >= 4; }, 30s));
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::ratelimited(2s), 3);

  for (const auto& id : ids) {
    const std::string state = bridge.wait_final(id, true, 60s);
    INFO(id << ": " << state << "\n" << bridge.bot->output_tail());
    CHECK(json_string(state, "status") == "delivered");
  }
  CHECK(bridge.emulator.messages_in(bridge.demo.helpdesk_channel).size() == ids.size());
  const auto violations = bridge.emulator.rate_limit_violations();
  for (const auto& v : violations) UNSCOPED_INFO("violation in " << v.scope);
  CHECK(violations.empty());
  CHECK(bridge.emulator.pending_faults() == 0);  // all three 429s were answered
}
