// Several bridgebot replicas on one PostgreSQL database (store.url: postgresql://…), the real
// binary each: both accept, one delivers at a time, and when that one is killed the other takes
// over; every accepted message reaches Slack, duplicates only within what was in flight.
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <regex>

#include "bridgebot/core/crypto.h"
#include "support/cli_fixture.h"
#include "support/postgres_server.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;

namespace {

// Message tag -> how many times Slack got it.
std::map<std::string, int> posts_per_tag(const bridgebot::emulator::Emulator& emulator) {
  return posts_per_match(emulator, "pg-[0-9]{3}");
}

// A platform message from an outside visitor to `to`, tagged `tag` in its text.
std::string visitor_message(const std::string& tag, const Person& to) {
  const Person visitor{"v-pg", "visitor@outside.example", "Pat Visitor", true};
  return message_body(tag, visitor, {user_mention(to)}, "replicated " + tag);
}

}  // namespace

TEST_CASE("two replicas on one PostgreSQL database deliver everything; one survives the other",
          "[cli][postgres]") {
  Bridge bridge;
  bridge.settings.store_url = new_postgres_database();
  bridge.settings.encryption_key =
      bridgebot::core::base64_encode(bridgebot::core::random_bytes(32));
  bridge.settings.require_recipient_link = false;
  const auto people = add_slack_users(bridge.emulator, "T0001", 1000, 12);

  TempDir second_dir("bridgebot-it-pg");
  BotProcess second(second_dir.path(), bot_config_yaml(bridge.settings));
  bridge.start_bot({&second});
  PlatformClient second_api(second.base_url(), kSigningSecret);

  // 60 messages, accepted by either replica in turn.
  std::vector<std::string> tags;
  for (int i = 0; i < 60; ++i) {
    char tag[16];
    std::snprintf(tag, sizeof tag, "pg-%03d", i);
    tags.emplace_back(tag);
    const PlatformClient& api = i % 2 ? second_api : *bridge.api;
    const auto accepted = api.post("/v1/messages", visitor_message(tag, people[i % people.size()]));
    INFO(accepted.body);
    REQUIRE(accepted.status == 202);
  }
  // The same id through the other replica is a duplicate: one idempotency record for both.
  CHECK(json_string(second_api.post("/v1/messages", visitor_message(tags[0], people[0])).body,
                    "status") == "duplicate");

  // Kill the replica that delivers (the other one logs that it stands by) once some, not all,
  // are in Slack: the survivor must take the delivery lease over and finish.
  REQUIRE(wait_until([&] { return bridge.emulator.messages().size() >= 15; }, 60s, 5ms));
  const bool first_delivers = second.output().find("standing by") != std::string::npos;
  INFO("first:\n" << bridge.bot->output_tail() << "\nsecond:\n" << second.output_tail());
  REQUIRE(first_delivers != (bridge.bot->output().find("standing by") != std::string::npos));
  BotProcess& survivor = first_delivers ? second : *bridge.bot;
  const PlatformClient& survivor_api = first_delivers ? second_api : *bridge.api;
  CHECK((first_delivers ? bridge.bot->kill9() : second.kill9()).signal == SIGKILL);
  const std::size_t posted_at_kill = bridge.emulator.messages().size();

  const bool all_seen =
      wait_until([&] { return posts_per_tag(bridge.emulator).size() == tags.size(); }, 90s, 100ms);
  INFO("posted at kill: " << posted_at_kill << "\nsurvivor:\n" << survivor.output_tail());
  REQUIRE(all_seen);
  REQUIRE(posted_at_kill < tags.size());
  for (const auto& tag : tags) {
    const auto state = survivor_api.get("/v1/messages/" + tag);
    INFO(tag << ": " << state.body);
    CHECK(json_string(state.body, "status") == "delivered");
  }
  int duplicates = 0;
  for (const auto& [tag, count] : posts_per_tag(bridge.emulator)) duplicates += count - 1;
  int recovered = 0;
  std::smatch match;
  const std::string output = survivor.output();
  if (std::regex_search(output, match, std::regex("recovered ([0-9]+) item"))) {
    recovered = std::stoi(match[1].str());
  }
  WARN("PostgreSQL replicas: killed one after "
       << posted_at_kill << " of " << tags.size() << " posts; the survivor recovered " << recovered
       << " item(s) in flight; " << duplicates << " posted twice");
  CHECK(duplicates <= recovered);
  CHECK(survivor.terminate().code == 0);
}
