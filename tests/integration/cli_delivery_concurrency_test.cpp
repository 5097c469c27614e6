// Deliveries wait for Slack without holding a thread: a workspace told to wait (429 +
// Retry-After) does not hold back another, directory lookups told to wait hold back no other
// delivery, a stop during such a wait leaves the window to be waited out by the next start,
// and with Slack answering slowly many posts are in flight at once, all against the real bot
// and the emulator.
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

const Person kVisitor{"v-conc", "visitor@outside.example", "Visitor", true};

// Installs each workspace (the config installs one bot token per start) and waits until the
// last start swept every directory, so recipients come from the cache.
void start_with_workspaces(Bridge& bridge, const std::vector<std::string>& teams) {
  bridge.settings.require_recipient_link = false;
  const std::size_t sweeps_before = bridge.emulator.calls_of("users.list").size();
  for (std::size_t t = 0; t < teams.size(); ++t) {
    bridge.settings.bot_token = "xoxb-conc-" + teams[t];
    bridge.settings.workspace_domain = "conc" + teams[t];
    bridge.start_bot();
    if (t + 1 < teams.size()) REQUIRE(bridge.stop_bot().code == 0);
  }
  REQUIRE(wait_until(
      [&] { return bridge.emulator.calls_of("users.list").size() >= sweeps_before + teams.size(); },
      60s));
}

std::vector<Person> add_workspace(Bridge& bridge, const std::string& team, int users) {
  return add_bot_workspace(bridge.emulator, team, "conc" + team, "xoxb-conc-" + team, users);
}

std::size_t lookups(const emu::Emulator& emulator) {
  return emulator.calls_of("users.lookupByEmail").size();
}

// Accepts one message to each of `people` in `team`, with ids "<prefix>-<n>"; returns the ids.
std::vector<std::string> send_to_each(Bridge& bridge, const std::vector<Person>& people,
                                      const std::string& prefix, const std::string& team) {
  std::vector<std::string> ids;
  for (const auto& person : people) {
    ids.push_back(prefix + "-" + std::to_string(ids.size()));
    const std::string body =
        message_body(ids.back(), kVisitor, {user_mention(person)}, prefix, team);
    REQUIRE(bridge.api->post("/v1/messages", body).status == 202);
  }
  return ids;
}

std::size_t posts_in(const emu::Emulator& emulator, const std::string& team) {
  std::size_t count = 0;
  for (const auto& call : emulator.calls_of("chat.postMessage")) {
    count += call.team_id == team && call.http_status == 200;
  }
  return count;
}

}  // namespace

TEST_CASE("a workspace told to wait by Slack does not hold back messages to another",
          "[cli][delivery][concurrency]") {
  Bridge bridge;
  constexpr int kHot = 8;  // as many as the bot once had worker threads
  const auto hot = add_workspace(bridge, "T2001", kHot);
  const auto cold = add_workspace(bridge, "T2002", 1);
  start_with_workspaces(bridge, {"T2001", "T2002"});

  // Every post to the first workspace is told to wait 10 s (one per recipient's channel).
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::ratelimited(10s), kHot);
  std::vector<std::string> hot_ids;
  for (int i = 0; i < kHot; ++i) {
    hot_ids.push_back("hot-" + std::to_string(i));
    REQUIRE(
        bridge.api
            ->post("/v1/messages",
                   message_body(hot_ids.back(), kVisitor,
                                {user_mention(hot[static_cast<std::size_t>(i)])}, "hot", "T2001"))
            .status == 202);
  }
  REQUIRE(wait_until([&] { return bridge.emulator.pending_faults() == 0; }, 30s));

  // While those wait out their Retry-After, a message to the other workspace goes out.
  REQUIRE(bridge.api
              ->post("/v1/messages",
                     message_body("cold-0", kVisitor, {user_mention(cold[0])}, "cold", "T2002"))
              .status == 202);
  REQUIRE(wait_until([&] { return posts_in(bridge.emulator, "T2002") == 1; }, 60s));
  INFO(bridge.bot->output_tail());
  CHECK(posts_in(bridge.emulator, "T2001") == 0);  // the waiting ones had not gone again yet

  // And the waiting ones arrive after their Retry-After, not inside it.
  for (const auto& id : hot_ids) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }
  const auto violations = bridge.emulator.rate_limit_violations();
  for (const auto& v : violations) UNSCOPED_INFO("violation in " << v.scope);
  CHECK(violations.empty());
}

TEST_CASE("with Slack answering slowly, many posts are in flight at once",
          "[cli][delivery][concurrency]") {
  Bridge bridge;
  constexpr int kPosts = 20;  // the workspace-wide burst: the bot's pacing lets all go at once
  const auto people = add_workspace(bridge, "T2003", kPosts);
  start_with_workspaces(bridge, {"T2003"});

  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::slow(1500ms), kPosts);
  std::vector<std::string> ids;
  for (int i = 0; i < kPosts; ++i) {
    ids.push_back("slow-" + std::to_string(i));
    REQUIRE(
        bridge.api
            ->post("/v1/messages", message_body(ids.back(), kVisitor,
                                                {user_mention(people[static_cast<std::size_t>(i)])},
                                                "slow", "T2003"))
            .status == 202);
  }
  for (const auto& id : ids) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }
  // Blocking workers, one call each, would never have more than their number (8) open.
  const int peak = bridge.server.peak_concurrent_requests();
  INFO("peak concurrent requests: " << peak);
  CHECK(peak > 8);
}

TEST_CASE("directory lookups Slack told to wait hold back no other delivery",
          "[cli][delivery][concurrency][directory]") {
  Bridge bridge;
  const auto known_a = add_workspace(bridge, "T2004", 1);
  const auto known_b = add_workspace(bridge, "T2005", 1);
  start_with_workspaces(bridge, {"T2004", "T2005"});
  // People who joined after the sweep: the bot finds them only through users.lookupByEmail. More
  // of them than the bot has delivery threads (2).
  const auto joined = add_slack_users(bridge.emulator, "T2004", 100, 4);

  // The first lookup is told to wait 20 s, which holds every lookup of that workspace back.
  bridge.emulator.inject_fault("users.lookupByEmail", emu::Fault::ratelimited(20s));
  const auto waiting = send_to_each(bridge, joined, "joined", "T2004");
  REQUIRE(wait_until([&] { return bridge.emulator.pending_faults() == 0; }, 30s));

  // Messages to people the bot already knows, in the other workspace and in the same one, go
  // out while those lookups wait, before any of them is asked again.
  auto known = send_to_each(bridge, known_b, "known-b", "T2005");
  for (const auto& id : send_to_each(bridge, known_a, "known-a", "T2004")) known.push_back(id);
  for (const auto& id : known) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state << "\n" << bridge.bot->output_tail());
    REQUIRE(json_string(state, "status") == "delivered");
  }
  CHECK(lookups(bridge.emulator) == 1);

  // The held-back recipients are found after the Retry-After, not inside it, once each.
  for (const auto& id : waiting) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }
  CHECK(lookups(bridge.emulator) == 1 + joined.size());
  const auto violations = bridge.emulator.rate_limit_violations();
  for (const auto& v : violations) UNSCOPED_INFO("violation in " << v.scope);
  CHECK(violations.empty());
}

TEST_CASE(
    "a stop while directory lookups wait out a Retry-After asks Slack nothing more and "
    "loses nothing",
    "[cli][delivery][concurrency][directory]") {
  Bridge bridge;
  add_workspace(bridge, "T2006", 1);
  start_with_workspaces(bridge, {"T2006"});
  const auto joined = add_slack_users(bridge.emulator, "T2006", 100, 3);
  bridge.emulator.inject_fault("users.lookupByEmail", emu::Fault::ratelimited(20s));
  const auto waiting = send_to_each(bridge, joined, "joined", "T2006");
  REQUIRE(wait_until([&] { return bridge.emulator.pending_faults() == 0; }, 30s));

  // The stop cuts the waits short: no lookup goes out again, nothing is posted.
  const ExitStatus stopped = bridge.stop_bot();
  INFO(bridge.bot->output_tail());
  CHECK(stopped.exited);
  CHECK(stopped.code == 0);
  CHECK(lookups(bridge.emulator) == 1);
  CHECK(posts_in(bridge.emulator, "T2006") == 0);

  // The items went back to the queue due when Slack's window ends: the next start delivers them
  // then, not inside it.
  bridge.start_bot();
  for (const auto& id : waiting) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }
  const auto violations = bridge.emulator.rate_limit_violations();
  for (const auto& v : violations) UNSCOPED_INFO("violation in " << v.scope);
  CHECK(violations.empty());
}

TEST_CASE(
    "a bot stopped while waiting out Slack's Retry-After and started again at once posts only "
    "after the window, once",
    "[cli][delivery][concurrency][restart]") {
  Bridge bridge;
  const auto people = add_workspace(bridge, "T2009", 1);
  start_with_workspaces(bridge, {"T2009"});

  // The post is told to wait 8 s; the bot is stopped during that wait and started again at once.
  constexpr auto kWindow = 8s;
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::ratelimited(kWindow));
  const auto ids = send_to_each(bridge, people, "window", "T2009");
  REQUIRE(wait_until([&] { return bridge.emulator.pending_faults() == 0; }, 30s));
  const ExitStatus stopped = bridge.stop_bot();
  INFO(bridge.bot->output_tail());
  CHECK(stopped.exited);
  CHECK(stopped.code == 0);
  bridge.start_bot();

  const std::string state = bridge.wait_final(ids[0], false, 60s);
  INFO(state << "\n" << bridge.bot->output_tail());
  CHECK(json_string(state, "status") == "delivered");
  std::vector<emu::CallRecord> posts;
  for (const auto& call : bridge.emulator.calls_of("chat.postMessage")) {
    if (call.team_id == "T2009") posts.push_back(call);
  }
  // The post told to wait, then the one after the window: the message is in Slack once.
  REQUIRE(posts.size() == 2);
  INFO("posted again " << std::chrono::duration_cast<std::chrono::milliseconds>(posts[1].arrival -
                                                                                posts[0].arrival)
                              .count()
                       << " ms after the 429");
  CHECK(posts[1].arrival >= posts[0].arrival + kWindow);
  CHECK(posts_in(bridge.emulator, "T2009") == 1);
  const auto violations = bridge.emulator.rate_limit_violations();
  for (const auto& v : violations) UNSCOPED_INFO("violation in " << v.scope);
  CHECK(violations.empty());
}

TEST_CASE("messages to a recipient whose previous one is still on its way to Slack follow it",
          "[cli][delivery][order]") {
  Bridge bridge;
  const auto people = add_workspace(bridge, "T2008", 1);
  start_with_workspaces(bridge, {"T2008"});

  // The first post is answered 1.5 s late: the next two are accepted while it is in flight.
  constexpr auto kSlow = 1500ms;
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::slow(kSlow), 1);
  const std::vector<std::string> ids = {"order-1", "order-2", "order-3"};
  auto post = [&](const std::string& id) {
    return bridge.api
        ->post("/v1/messages",
               message_body(id, kVisitor, {user_mention(people[0])}, "in order " + id, "T2008"))
        .status;
  };
  REQUIRE(post(ids[0]) == 202);
  REQUIRE(wait_until([&] { return bridge.emulator.calls_of("chat.postMessage").size() == 1; }, 30s,
                     5ms));
  REQUIRE(post(ids[1]) == 202);
  REQUIRE(post(ids[2]) == 202);
  for (const auto& id : ids) {
    const std::string state = bridge.wait_final(id, false, 60s);
    INFO(id << ": " << state);
    CHECK(json_string(state, "status") == "delivered");
  }

  std::vector<std::string> seen;
  for (const auto& message : bridge.emulator.messages()) {
    for (const auto& id : ids) {
      if (message.text.find("in order " + id) != std::string::npos) seen.push_back(id);
    }
  }
  CHECK(seen == ids);
  // Each post left only once Slack had answered the one before: the second came at least the
  // first's answer time after it.
  const auto posts = bridge.emulator.calls_of("chat.postMessage");
  REQUIRE(posts.size() == ids.size());
  CHECK(posts[1].arrival - posts[0].arrival >= kSlow);
}
