// Stopping and restarting the real binary: SIGTERM with work queued, and the 202 promise across
// a restart.
#include <catch2/catch.hpp>
#include <set>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

TEST_CASE("SIGTERM with work queued and a Slack call hanging exits 0 within 5 s",
          "[cli][lifecycle]") {
  Bridge bridge;
  bridge.settings.require_recipient_link = false;
  bridge.settings.copy_to_sender = false;
  // Distinct recipients: each DM channel has its own rate limit, so the rest drains quickly
  // (few of them: every first contact costs a paced conversations.open, Tier 3).
  const auto people = add_slack_users(bridge.emulator, "T0001", 2000, 8);
  bridge.start_bot();
  // The first posts hang in Slack for 3 s, so the stop comes while a call is in flight.
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::slow(3s), 2);

  std::vector<std::string> ids;
  for (std::size_t i = 0; i < people.size(); ++i) {
    ids.push_back("msg-term-" + std::to_string(i));
    const auto response = bridge.api->post(
        "/v1/messages", message_body(ids.back(), carol(), {user_mention(people[i])},
                                     "queued " + std::to_string(i)));
    REQUIRE(response.status == 202);
  }
  REQUIRE(wait_until([&] { return !bridge.emulator.calls_of("chat.postMessage").empty(); }, 30s));
  const std::size_t posted_before_stop = bridge.emulator.messages().size();

  const ExitStatus stopped = bridge.stop_bot();
  INFO(bridge.bot->output_tail());
  CHECK(stopped.exited);
  CHECK(stopped.code == 0);
  CHECK(stopped.took < 5s);
  CHECK(posted_before_stop < people.size());  // there was work left when it stopped

  // What was accepted is still delivered after the restart.
  bridge.start_bot();
  for (const auto& id : ids) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state << "\n" << bridge.bot->output_tail());
    CHECK(json_string(state, "status") == "delivered");
  }
  std::set<std::string> channels;
  for (const auto& m : bridge.emulator.messages()) channels.insert(m.channel);
  CHECK(channels.size() == people.size());
  CHECK(bridge.stop_bot().code == 0);
}

TEST_CASE("an idle bot stops on SIGTERM with exit code 0", "[cli][lifecycle]") {
  Bridge bridge;
  bridge.start_bot();
  CHECK(bridge.api->get_unsigned("/healthz").status == 200);
  const ExitStatus stopped = bridge.stop_bot();
  INFO(bridge.bot->output_tail());
  CHECK(stopped.exited);
  CHECK(stopped.code == 0);
  CHECK(stopped.took < 5s);
  // Nothing listens any more.
  CHECK(bridge.api->get_unsigned("/healthz").status == 0);
}
