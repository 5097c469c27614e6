// Token rotation with the real binary: a workspace installed through Add to Slack holds an
// expiring token, and the bot refreshes it once, however many workers or processes find it stale.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <regex>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

// A relay recipient: the platform person and their Slack user id.
struct Recipient {
  Person person;
  std::string slack_user;
};

// The demo people plus `extra` users added to T0001 (before the bot starts).
std::vector<Recipient> recipients(Bridge& bridge, int extra) {
  std::vector<Recipient> out = {{alice(), "U0001"}, {bob(), "U0002"}, {carol(), "U0003"}};
  const auto added = add_slack_users(bridge.emulator, "T0001", 1000, extra);
  for (int i = 0; i < extra; ++i) out.push_back({added[i], "UT0001X" + std::to_string(1000 + i)});
  return out;
}

// The bot has no token at start and installs through OAuth; the emulator's app rotates tokens.
void use_rotating_install(Bridge& bridge) {
  bridge.emulator.with_state(
      [&](emu::State& s) { s.apps.at(bridge.demo.app_id).token_rotation_enabled = true; });
  bridge.settings.bot_token.clear();
  bridge.settings.require_recipient_link = false;
  bridge.enable_oauth();
}

void set_token_lifetime(Bridge& bridge, std::int64_t seconds) {
  bridge.emulator.with_state(
      [&](emu::State& s) { s.apps.at(bridge.demo.app_id).rotating_token_lifetime = seconds; });
}

// The rotating bot token of T0001 that Slack accepts now; "" unless there is exactly one.
std::string live_bot_token(emu::Emulator& emulator) {
  return emulator.with_state([](emu::State& s) {
    std::vector<std::string> live;
    for (const auto& [value, token] : s.tokens) {
      if (token.kind == emu::TokenKind::bot && token.team_id == "T0001" && token.expires_at &&
          token.state == emu::TokenState::valid) {
        live.push_back(value);
      }
    }
    return live.size() == 1 ? live[0] : std::string();
  });
}

void expire(emu::Emulator& emulator, const std::string& token) {
  emulator.with_state(
      [&](emu::State& s) { s.find_token(token)->state = emu::TokenState::expired; });
}

std::size_t refresh_exchanges(const emu::Emulator& emulator) {
  std::size_t count = 0;
  for (const auto& call : emulator.calls_of("oauth.v2.access")) {
    const auto grant = call.params.find("grant_type");
    count += grant != call.params.end() && grant->second == "refresh_token";
  }
  return count;
}

std::size_t posts_refused_expired(const emu::Emulator& emulator) {
  std::size_t count = 0;
  for (const auto& call : emulator.calls_of("chat.postMessage")) {
    count += call.error == "token_expired";
  }
  return count;
}

// Messages relayed from an external visitor, each tagged "burst-NNN" in its text, and which
// Slack user each was for.
class Burst {
 public:
  void send(const PlatformClient& api, const Recipient& to) {
    std::string number = std::to_string(ids_.size());
    number.insert(0, number.size() < 3 ? 3 - number.size() : 0, '0');
    const std::string tag = "burst-" + number;
    ids_.push_back("rot-" + number);
    expected_[to.slack_user].push_back(tag);
    const Person visitor{"v-rot", "visitor@outside.example", "Rota Visitor", true};
    const auto response = api.post(
        "/v1/messages", message_body(ids_.back(), visitor, {user_mention(to.person)}, tag));
    INFO(response.body);
    REQUIRE(response.status == 202);
  }

  std::size_t size() const { return ids_.size(); }

  // Every message delivered, and each recipient's DM with the bot holds exactly their messages.
  void check_each_delivered_once(Bridge& bridge) const {
    for (const auto& id : ids_) {
      const std::string state = bridge.wait_final(id, false, 60s);
      INFO(id << ": " << state << "\n" << bridge.bot->output_tail());
      REQUIRE(json_string(state, "status") == "delivered");
    }
    static const std::regex kTag("burst-[0-9]{3}");
    for (const auto& [slack_user, expected] : expected_) {
      std::vector<std::string> got;
      for (const auto& message : bridge.bot_dm_messages(slack_user)) {
        std::smatch found;
        if (std::regex_search(message.text, found, kTag)) got.push_back(found.str());
      }
      std::sort(got.begin(), got.end());
      INFO("DM with " << slack_user);
      CHECK(got == expected);  // sent in tag order, so `expected` is sorted
    }
  }

 private:
  std::vector<std::string> ids_;
  std::map<std::string, std::vector<std::string>> expected_;
};

}  // namespace

TEST_CASE("token_expired in the middle of a burst: one refresh, no message lost or doubled",
          "[cli][rotation]") {
  Bridge bridge;
  use_rotating_install(bridge);
  const auto people = recipients(bridge, 5);
  bridge.start_bot();
  bridge.install_with_oauth();
  const std::string first_token = live_bot_token(bridge.emulator);
  REQUIRE_FALSE(first_token.empty());

  // Slack expires the token once 30 posts went through, while the workers are still busy with
  // the first 40 and 60 more are yet to come. (100 posts: the bot paces chat.postMessage to
  // about 5/s per workspace after a burst of 20, so this takes some 16 s.)
  Burst burst;
  for (std::size_t i = 0; i < 100; ++i) {
    if (i == 40) {
      REQUIRE(wait_until([&] { return bridge.emulator.messages().size() >= 30; }, 30s, 1ms));
      expire(bridge.emulator, first_token);
    }
    burst.send(*bridge.api, people[i % people.size()]);
  }

  burst.check_each_delivered_once(bridge);
  INFO(bridge.bot->output_tail());
  CHECK(bridge.emulator.messages().size() == burst.size());
  CHECK(posts_refused_expired(bridge.emulator) > 0);  // the fault did hit the burst
  CHECK(refresh_exchanges(bridge.emulator) == 1);
  const std::string new_token = live_bot_token(bridge.emulator);
  CHECK(new_token != first_token);
  CHECK(auth_test_error(bridge.emulator, new_token).empty());
  // Rotated tokens are never logged, old or new, nor the refresh token that bought them.
  const std::string log = bridge.bot->output();
  CHECK(log.find(first_token) == std::string::npos);
  CHECK(log.find(new_token) == std::string::npos);
  bridge.emulator.with_state([&](emu::State& s) {
    for (const auto& [value, refresh] : s.refresh_tokens)
      CHECK(log.find(value) == std::string::npos);
  });
}

TEST_CASE("two bridgebot processes on one store refresh a due token once at start-up",
          "[cli][rotation]") {
  Bridge bridge;
  use_rotating_install(bridge);
  // Installed with 10 minutes to live: under the 2 h margin, due at the next start.
  set_token_lifetime(bridge, 600);
  bridge.start_bot();
  bridge.install_with_oauth();
  const std::string old_token = live_bot_token(bridge.emulator);
  REQUIRE_FALSE(old_token.empty());
  set_token_lifetime(bridge, emu::kRotatingTokenLifetime);
  REQUIRE(bridge.stop_bot().exited);

  // A slow exchange keeps the winner's lease held while the other process finds the token due.
  bridge.emulator.inject_fault("oauth.v2.access", emu::Fault::slow(1500ms), 2);
  // A second process with its own config and log, on the same store (and so the same key file).
  TempDir second_dir("bridgebot-it-b");
  BotProcess second(second_dir.path(), bot_config_yaml(bridge.settings));
  bridge.start_bot({&second});
  PlatformClient second_api(second.base_url(), kSigningSecret);
  if (!wait_until([&] { return refresh_exchanges(bridge.emulator) >= 1; }, 30s)) {
    FAIL("no refresh. A:\n" << bridge.bot->output_tail() << "\nB:\n" << second.output_tail());
  }

  // The refreshed token works through either process, and it is the one Slack holds live.
  Burst burst;
  const Recipient to_bob{bob(), "U0002"};
  burst.send(second_api, to_bob);
  burst.send(*bridge.api, to_bob);
  burst.check_each_delivered_once(bridge);
  const std::string new_token = live_bot_token(bridge.emulator);
  for (const auto& message : bridge.bot_dm_messages("U0002")) CHECK(message.token == new_token);

  INFO("A:\n" << bridge.bot->output_tail() << "\nB:\n" << second.output_tail());
  CHECK(refresh_exchanges(bridge.emulator) == 1);
  CHECK(new_token != old_token);
  CHECK(auth_test_error(bridge.emulator, old_token) == "token_expired");
}

TEST_CASE("two bridgebot processes told token_expired at once refresh once and deliver all",
          "[cli][rotation]") {
  Bridge bridge;
  use_rotating_install(bridge);
  const auto people = recipients(bridge, 3);
  bridge.start_bot();
  bridge.install_with_oauth();
  TempDir second_dir("bridgebot-it-b");
  BotProcess second(second_dir.path(), bot_config_yaml(bridge.settings));
  if (auto failure = second.start()) FAIL(*failure);
  PlatformClient second_api(second.base_url(), kSigningSecret);

  const std::string old_token = live_bot_token(bridge.emulator);
  expire(bridge.emulator, old_token);
  Burst burst;
  for (std::size_t i = 0; i < 40; ++i) {
    burst.send(i % 2 ? second_api : *bridge.api, people[i % people.size()]);
  }

  burst.check_each_delivered_once(bridge);
  INFO("A:\n" << bridge.bot->output_tail() << "\nB:\n" << second.output_tail());
  CHECK(bridge.emulator.messages().size() == burst.size());
  CHECK(posts_refused_expired(bridge.emulator) > 0);
  CHECK(refresh_exchanges(bridge.emulator) == 1);
}

TEST_CASE("a slow token refresh holds back no delivery to another workspace",
          "[cli][rotation][concurrency]") {
  Bridge bridge;
  use_rotating_install(bridge);
  constexpr int kOthers = 6;  // a few for each of the bot's 2 delivery loops
  const auto others =
      add_bot_workspace(bridge.emulator, "T3001", "rotother", "xoxb-rot-T3001", kOthers);
  bridge.start_bot();
  bridge.install_with_oauth();
  REQUIRE(bridge
              .admin("POST", "/v1/installations",
                     R"({"bot_token":"xoxb-rot-T3001","workspace_domain":"rotother"})")
              .status == 201);
  const std::string old_token = live_bot_token(bridge.emulator);
  REQUIRE_FALSE(old_token.empty());

  // Slack expires T0001's token and takes 8 s to answer its refresh.
  constexpr auto kHold = 8s;
  expire(bridge.emulator, old_token);
  bridge.emulator.inject_fault("oauth.v2.access", emu::Fault::slow(kHold));
  Burst rotating;
  const Recipient to_alice{alice(), "U0001"};
  rotating.send(*bridge.api, to_alice);
  REQUIRE(wait_until([&] { return refresh_exchanges(bridge.emulator) == 1; }, 30s, 1ms));

  // While the refresh waits for Slack, messages to the other workspace go out.
  std::vector<std::string> other_ids;
  const Person visitor{"v-rot", "visitor@outside.example", "Rota Visitor", true};
  for (const auto& person : others) {
    other_ids.push_back("other-" + std::to_string(other_ids.size()));
    REQUIRE(bridge.api
                ->post("/v1/messages", message_body(other_ids.back(), visitor,
                                                    {user_mention(person)}, "other", "T3001"))
                .status == 202);
  }
  for (const auto& id : other_ids) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state << "\n" << bridge.bot->output_tail());
    REQUIRE(json_string(state, "status") == "delivered");
  }
  const auto refresh = bridge.emulator.calls_of("oauth.v2.access").back();
  std::size_t others_posted = 0;
  for (const auto& post : bridge.emulator.calls_of("chat.postMessage")) {
    if (post.team_id != "T3001") continue;
    ++others_posted;
    // Before Slack answered the refresh: no delivery loop was waiting for it.
    INFO("posted " << std::chrono::duration_cast<std::chrono::milliseconds>(post.arrival -
                                                                            refresh.arrival)
                          .count()
                   << " ms after the refresh arrived");
    CHECK(post.arrival < refresh.arrival + kHold);
  }
  CHECK(others_posted == others.size());

  // The refreshed workspace's message goes out once, with the new token.
  rotating.check_each_delivered_once(bridge);
  const std::string new_token = live_bot_token(bridge.emulator);
  CHECK(new_token != old_token);
  const auto dm = bridge.bot_dm_messages("U0001");
  REQUIRE(dm.size() == 1);
  CHECK(dm[0].token == new_token);
  CHECK(refresh_exchanges(bridge.emulator) == 1);
  const std::string log = bridge.bot->output();
  bridge.emulator.with_state([&](emu::State& s) {
    for (const auto& [value, refresh_token] : s.refresh_tokens)
      CHECK(log.find(value) == std::string::npos);
  });
}
