// kill -9 in the middle of delivering 1,000 accepted messages, then a restart on the same SQLite
// store: every 202 is kept (all delivered), and duplicates stay within what was in flight.
// Slow (about a minute), hence [slow]; it still runs in ctest.
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <map>
#include <thread>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

constexpr int kTeams = 8;
constexpr int kPerTeam = 125;  // 1,000 messages, each to its own recipient

std::string team_id(int t) {
  return "T1" + std::to_string(100 + t);
}

// A workspace with a bot token (no im:write: DMs go to the user id) and kPerTeam users.
std::vector<Person> add_workspace(emu::Emulator& emulator, int t) {
  return add_bot_workspace(emulator, team_id(t), "crash" + std::to_string(t),
                           "xoxb-crash-" + team_id(t), kPerTeam);
}

// Message id → how many times its text reached Slack.
std::map<std::string, int> posts_per_id(const emu::Emulator& emulator) {
  return posts_per_match(emulator, "crash-[0-9]+");
}

}  // namespace

TEST_CASE("kill -9 during 1,000 deliveries: after a restart all are delivered, few twice",
          "[cli][crash][slow]") {
  Bridge bridge;
  bridge.settings.require_recipient_link = false;
  // The bot paces chat.postMessage to about 5/s per workspace, as Slack asks; spreading the
  // messages over 8 workspaces keeps this test to about a minute.
  std::vector<std::vector<Person>> people;
  for (int t = 0; t < kTeams; ++t) people.push_back(add_workspace(bridge.emulator, t));
  // The config installs one bot token per run and the store keeps installations: run the bot
  // once per workspace.
  std::size_t sweeps_before = 0;
  for (int t = 0; t < kTeams; ++t) {
    bridge.settings.bot_token = "xoxb-crash-" + team_id(t);
    bridge.settings.workspace_domain = "crash" + std::to_string(t);
    sweeps_before = bridge.emulator.calls_of("users.list").size();
    bridge.start_bot();
    if (t + 1 < kTeams) REQUIRE(bridge.stop_bot().code == 0);
  }
  // The last start sweeps every workspace's directory (one users.list page each): recipients
  // then come from the cache.
  REQUIRE(wait_until(
      [&] { return bridge.emulator.calls_of("users.list").size() >= sweeps_before + kTeams; },
      60s));

  // Accept all 1,000 (four platform threads, as a busy platform would), teams interleaved.
  const Person visitor{"v-crash", "visitor@outside.example", "Crash Visitor", true};
  std::vector<std::string> ids;
  for (int i = 0; i < kTeams * kPerTeam; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "crash-%04d", i);
    ids.emplace_back(id);
  }
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s) {
    senders.emplace_back([&, s] {
      PlatformClient client(bridge.bot->base_url(), kSigningSecret);
      for (std::size_t i = static_cast<std::size_t>(s); i < ids.size(); i += 4) {
        const int t = static_cast<int>(i % kTeams);
        const Person& to = people[static_cast<std::size_t>(t)][i / kTeams];
        const auto response = client.post(
            "/v1/messages",
            message_body(ids[i], visitor, {user_mention(to)}, "delivery " + ids[i], team_id(t)));
        if (response.status != 202) ++refused;
      }
    });
  }
  for (auto& sender : senders) sender.join();
  REQUIRE(refused.load() == 0);

  // Kill mid-stream: once a good part, not all, has reached Slack.
  REQUIRE(wait_until([&] { return bridge.emulator.messages().size() >= 250; }, 120s, 5ms));
  const ExitStatus killed = bridge.kill_bot();
  CHECK(killed.signal == SIGKILL);
  const std::size_t posted_at_kill = bridge.emulator.messages().size();
  INFO("posted at kill: " << posted_at_kill);
  REQUIRE(posted_at_kill < ids.size());

  bridge.start_bot();
  const bool all_seen =
      wait_until([&] { return posts_per_id(bridge.emulator).size() == ids.size(); }, 150s, 200ms);
  INFO(bridge.bot->output_tail());
  CHECK(all_seen);
  int not_delivered = 0;
  for (const auto& id : ids) {
    const std::string state = bridge.wait_final(id, false, 10s);
    if (json_string(state, "status") != "delivered") {
      ++not_delivered;
      UNSCOPED_INFO(id << ": " << state);
    }
  }
  CHECK(not_delivered == 0);

  // Duplicates: ids Slack saw more than once. At most the items that were in flight at the kill,
  // which the restarted bot reports recovering.
  int duplicates = 0;
  for (const auto& [id, count] : posts_per_id(bridge.emulator)) duplicates += count - 1;
  const int recovered = recovered_in_flight(bridge.bot->output());
  WARN("kill -9 after " << posted_at_kill << " of " << ids.size() << " posts: " << recovered
                        << " item(s) in flight recovered, " << duplicates
                        << " message(s) posted twice");
  CHECK(duplicates <= recovered);
  CHECK(bridge.stop_bot().code == 0);
}

TEST_CASE(
    "kill -9 right after accepting: messages already on their way are delivered after a restart",
    "[cli][crash]") {
  // Accepted messages go straight to delivery when the bot has room (claimed in the accept's
  // transaction): killed while Slack has not answered them yet, none may be lost.
  Bridge bridge;
  bridge.settings.require_recipient_link = false;
  constexpr int kMessages = 12;  // within the workspace's burst: none waits for pacing
  const auto people =
      add_bot_workspace(bridge.emulator, "T1300", "crashnow", "xoxb-crash-T1300", kMessages);
  bridge.settings.bot_token = "xoxb-crash-T1300";
  bridge.settings.workspace_domain = "crashnow";
  const std::size_t sweeps_before = bridge.emulator.calls_of("users.list").size();
  bridge.start_bot();
  REQUIRE(wait_until([&] { return bridge.emulator.calls_of("users.list").size() > sweeps_before; },
                     60s));

  // Slack answers the first posts late, so they are in flight at the kill.
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::slow(3000ms), kMessages);
  const Person visitor{"v-crash", "visitor@outside.example", "Crash Visitor", true};
  std::vector<std::string> ids;
  for (int i = 0; i < kMessages; ++i) {
    ids.push_back("crash-now-" + std::to_string(i));
    REQUIRE(
        bridge.api
            ->post("/v1/messages", message_body(ids.back(), visitor,
                                                {user_mention(people[static_cast<std::size_t>(i)])},
                                                "delivery " + ids.back(), "T1300"))
            .status == 202);
  }
  CHECK(bridge.kill_bot().signal == SIGKILL);
  const std::size_t posted_at_kill = bridge.emulator.messages().size();

  bridge.start_bot();
  for (const auto& id : ids) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
    CHECK(state.find("\"deliveries\":[]") == std::string::npos);  // where it landed is known
  }
  const auto posts = posts_per_match(bridge.emulator, "crash-now-[0-9]+");
  CHECK(posts.size() == ids.size());
  int duplicates = 0;
  for (const auto& [id, count] : posts) duplicates += count - 1;
  INFO("posted before the kill: " << posted_at_kill);
  CHECK(duplicates <= recovered_in_flight(bridge.bot->output()));
  CHECK(bridge.stop_bot().code == 0);
}
