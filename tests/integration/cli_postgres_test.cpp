// Several bridgebot replicas on one store, the real binary each: on PostgreSQL (store.url:
// postgresql://…) all accept, the delivery partitions (by workspace) are shared among them, and
// when one is killed or hangs the others take its share over; every accepted message reaches
// Slack, duplicates only within what was in flight. A replica killed and restarted on the same
// host takes its own leases back at once. Two live processes on one SQLite file share it too.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <ctime>
#include <map>
#include <memory>
#include <regex>
#include <thread>

#include "bridgebot/core/crypto.h"
#include "bridgebot/store/postgres_store.h"
#include "support/cli_fixture.h"
#include "support/delivery_partition.h"
#include "support/postgres_server.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

constexpr int kPerTeam = 40;  // messages per workspace, each to its own recipient

// A workspace with a bot token (no im:write: DMs go to the user id) and kPerTeam users.
std::vector<Person> add_workspace(emu::Emulator& emulator, const std::string& team) {
  return add_bot_workspace(emulator, team, "ws-" + team, "xoxb-" + team, kPerTeam);
}

// Message tag -> how many times Slack got it.
std::map<std::string, int> posts_per_tag(const emu::Emulator& emulator) {
  return posts_per_match(emulator, "pg-[0-9]{4}");
}

std::string visitor_message(const std::string& tag, const Person& to, const std::string& team) {
  const Person visitor{"v-pg", "visitor@outside.example", "Pat Visitor", true};
  return message_body(tag, visitor, {user_mention(to)}, "replicated " + tag, team);
}

// How many partitions the bot said it delivers last ("delivering partitions 0,3,9 (…").
int partitions_held(const BotProcess& bot) {
  static const std::regex line("delivering partitions ([0-9,]+|none) \\(");
  const std::string output = bot.output();
  int held = 0;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    const std::string list = (*it)[1].str();
    held = list == "none" ? 0 : static_cast<int>(std::count(list.begin(), list.end(), ',')) + 1;
  }
  return held;
}

// The bot's delivered counter from /metrics.
long delivered_by(const BotProcess& bot) {
  const auto metrics = PlatformClient(bot.base_url(), kSigningSecret).get_unsigned("/metrics");
  std::smatch match;
  static const std::regex counter(
      "bridgebot_outbox_items_total\\{outcome=\"delivered\"\\} ([0-9]+)");
  return std::regex_search(metrics.body, match, counter) ? std::stol(match[1].str()) : -1;
}

// A Bridge on a fresh PostgreSQL database (or SQLite file) with one workspace per delivery
// partition (so that every replica's share has work), installed through the admin API; then `count`
// replicas started together (the first is bridge.bot), each having swept every workspace's
// directory (recipients come from the cache) and the partitions settled: every replica holds some,
// together all 16.
struct ReplicaSet {
  Bridge bridge;
  std::vector<std::string> teams = teams_in_every_partition("TQ");
  std::vector<std::vector<Person>> people;
  std::vector<std::unique_ptr<TempDir>> dirs;
  std::vector<std::unique_ptr<BotProcess>> others;
  std::vector<BotProcess*> replicas;

  // `postgres` false: the replicas share the first one's SQLite file (and its key file).
  // `posts_per_minute`: each workspace's chat.postMessage pace (0: the default 300), slower for
  // a test that needs messages still queued once the burst is in.
  explicit ReplicaSet(std::size_t count, bool postgres = true, int posts_per_minute = 0) {
    bridge.settings.post_message_per_workspace_per_minute = posts_per_minute;
    if (postgres) {
      bridge.settings.store_url = new_postgres_database();
      bridge.settings.encryption_key =
          bridgebot::core::base64_encode(bridgebot::core::random_bytes(32));
    }
    bridge.settings.require_recipient_link = false;
    for (const auto& team : teams) people.push_back(add_workspace(bridge.emulator, team));
    bridge.start_bot();
    for (const auto& team : teams) {
      const auto installed = bridge.admin(
          "POST", "/v1/installations",
          R"({"bot_token":"xoxb-)" + team + R"(","workspace_domain":"ws-)" + team + R"("})");
      INFO(installed.body);
      REQUIRE(installed.status / 100 == 2);
    }
    REQUIRE(bridge.stop_bot().code == 0);
    const auto sweeps_before = bridge.emulator.calls_of("users.list").size();
    std::vector<BotProcess*> together;
    for (std::size_t r = 1; r < count; ++r) {
      dirs.push_back(std::make_unique<TempDir>("bridgebot-it-pg"));
      others.push_back(
          std::make_unique<BotProcess>(dirs.back()->path(), bot_config_yaml(bridge.settings)));
      together.push_back(others.back().get());
    }
    bridge.start_bot(together);
    replicas.push_back(bridge.bot.get());
    replicas.insert(replicas.end(), together.begin(), together.end());
    REQUIRE(wait_until(
        [&] {
          return bridge.emulator.calls_of("users.list").size() >=
                 sweeps_before + count * teams.size();
        },
        60s));
    const bool settled = wait_until(
        [&] {
          int total = 0;
          for (auto* replica : replicas) {
            if (partitions_held(*replica) == 0) return false;
            total += partitions_held(*replica);
          }
          return total == bridgebot::store::kDeliveryPartitions;
        },
        30s, 100ms);
    INFO(tails());
    REQUIRE(settled);
  }

  std::string tails() const {
    std::string out;
    for (std::size_t r = 0; r < replicas.size(); ++r) {
      out += "replica " + std::to_string(r) + ":\n" + replicas[r]->output_tail() + "\n";
    }
    return out;
  }

  // per_team messages to each workspace ("pg-0000"...), each to its own recipient, teams
  // interleaved, accepted by the replicas in turn from one thread each. A message a replica does
  // not answer (killed, paused) goes to the next one, as a load balancer would (the same id is
  // accepted once). Returns the tags; counts what no replica accepted in `refused`.
  std::vector<std::string> burst(int per_team, std::atomic<int>& refused,
                                 std::vector<std::thread>& senders) {
    std::vector<std::string> tags;
    for (std::size_t i = 0; i < teams.size() * static_cast<std::size_t>(per_team); ++i) {
      char tag[32];
      std::snprintf(tag, sizeof tag, "pg-%04d", static_cast<int>(i));
      tags.emplace_back(tag);
    }
    for (std::size_t r = 0; r < replicas.size(); ++r) {
      senders.emplace_back([this, r, tags, &refused] {
        std::vector<std::unique_ptr<PlatformClient>> clients;
        for (std::size_t k = 0; k < replicas.size(); ++k) {
          clients.push_back(std::make_unique<PlatformClient>(
              replicas[(r + k) % replicas.size()]->base_url(), kSigningSecret));
        }
        for (std::size_t i = r; i < tags.size(); i += replicas.size()) {
          const std::size_t t = i % teams.size();
          const std::string body = visitor_message(tags[i], people[t][i / teams.size()], teams[t]);
          bool accepted = false;
          for (std::size_t k = 0; k < clients.size() && !accepted; ++k) {
            const int status = clients[k]->post("/v1/messages", body).status;
            accepted = status == 202 || status == 200;
          }
          if (!accepted) ++refused;
        }
      });
    }
    return tags;
  }

  // Every tag's final status as `replica` reports it; how many are not "delivered".
  int not_delivered(const BotProcess& replica, const std::vector<std::string>& tags) const {
    PlatformClient api(replica.base_url(), kSigningSecret);
    int missing = 0;
    for (const auto& tag : tags) {
      const auto state = api.get("/v1/messages/" + tag);
      if (json_string(state.body, "status") != "delivered") {
        ++missing;
        UNSCOPED_INFO(tag << ": " << state.body);
      }
    }
    return missing;
  }

  int duplicates() const {
    int twice = 0;
    for (const auto& [tag, count] : posts_per_tag(bridge.emulator)) twice += count - 1;
    return twice;
  }
};

}  // namespace

TEST_CASE(
    "three replicas on one PostgreSQL database share delivery, and one killed mid-burst hands "
    "its share over with nothing lost",
    "[cli][postgres][slow]") {
  ReplicaSet set(3);
  auto& first = *set.replicas[0];
  auto& second = *set.replicas[1];
  auto& third = *set.replicas[2];
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  const auto tags = set.burst(kPerTeam, refused, senders);
  // Kill the second replica once a good part, not all, has reached Slack.
  const bool started = wait_until(
      [&] { return set.bridge.emulator.messages().size() >= tags.size() / 4; }, 120s, 5ms);
  const long victim_delivered = delivered_by(second);
  const int victim_partitions = partitions_held(second);
  CHECK(second.kill9().signal == SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  const std::size_t posted_at_kill = set.bridge.emulator.messages().size();
  for (auto& sender : senders) sender.join();
  REQUIRE(started);
  REQUIRE(refused.load() == 0);
  REQUIRE(posted_at_kill < tags.size());

  // Its partitions move to the survivors (here at once: it ran on this machine).
  const bool moved = wait_until(
      [&] {
        return partitions_held(first) + partitions_held(third) ==
               bridgebot::store::kDeliveryPartitions;
      },
      60s, 50ms);
  const double moved_after =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  CHECK(moved);
  const bool all_seen = wait_until(
      [&] { return posts_per_tag(set.bridge.emulator).size() == tags.size(); }, 120s, 100ms);
  INFO("posted at kill: " << posted_at_kill << "\n" << set.tails());
  REQUIRE(all_seen);
  CHECK(set.not_delivered(first, tags) == 0);

  // Each replica delivered some (the survivors' counters include what they took over).
  CHECK(victim_delivered > 0);
  const long first_delivered = delivered_by(first);
  const long third_delivered = delivered_by(third);
  CHECK(first_delivered > 0);
  CHECK(third_delivered > 0);
  // Duplicates: only items the killed replica had in flight, which the survivors re-queued.
  const int duplicates = set.duplicates();
  const int recovered = recovered_in_flight(first.output()) + recovered_in_flight(third.output());
  WARN("3 PostgreSQL replicas, " << tags.size() << " messages over " << set.teams.size()
                                 << " workspaces: killed one (" << victim_partitions
                                 << " partitions, " << victim_delivered << " delivered) after "
                                 << posted_at_kill << " posts; its partitions moved after "
                                 << moved_after << " s; survivors delivered " << first_delivered
                                 << " and " << third_delivered << ", recovered " << recovered
                                 << " item(s) in flight; " << duplicates << " posted twice");
  CHECK(duplicates <= recovered);
  // A survivor that does not stop within the grace says where its shutdown stood.
  for (auto* survivor : {&first, &third}) {
    const auto stopped = survivor->terminate();
    INFO("exited " << stopped.exited << " code " << stopped.code << " signal " << stopped.signal
                   << " after " << stopped.took.count() << " ms:\n"
                   << survivor->output_tail());
    CHECK(stopped.code == 0);
  }
}

TEST_CASE(
    "a replica that hangs mid-burst stops delivering before its partitions are taken over, and "
    "sends nothing of theirs when it comes back",
    "[cli][postgres][slow]") {
  // 60 posts a minute per workspace: the 40 of each take ~36 s, so many are still queued when
  // the burst is in, however fast the bot and however slow the build (asan) posts them.
  ReplicaSet set(2, true, 60);
  auto& survivor = *set.replicas[0];
  auto& hung = *set.replicas[1];
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  const auto tags = set.burst(kPerTeam, refused, senders);
  // Everything accepted (a paused replica would hold its platform requests), much still queued
  // behind the per-workspace pacing.
  for (auto& sender : senders) sender.join();
  REQUIRE(refused.load() == 0);
  // SIGSTOP: its pid still runs, so the survivor waits for its leases to expire (10 s), as it
  // would for a replica on another machine.
  REQUIRE(::kill(hung.pid(), SIGSTOP) == 0);
  const auto paused_at = std::chrono::steady_clock::now();
  REQUIRE(set.bridge.emulator.messages().size() < tags.size());
  const bool all_seen = wait_until(
      [&] { return posts_per_tag(set.bridge.emulator).size() == tags.size(); }, 120s, 100ms);
  const double all_after =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - paused_at).count();
  INFO(set.tails());
  REQUIRE(all_seen);
  // The survivor takes the hung replica's partitions once their leases expire, even when the
  // messages left at the SIGSTOP were all its own (a slow build may have sent the rest first).
  CHECK(
      wait_until([&] { return partitions_held(survivor) == bridgebot::store::kDeliveryPartitions; },
                 30s, 100ms));
  const std::size_t posted_before_resume = set.bridge.emulator.messages().size();

  // Back after ~its ttl: its renewals are late, so it sends nothing more from the partitions it
  // lost.
  REQUIRE(::kill(hung.pid(), SIGCONT) == 0);
  std::this_thread::sleep_for(3s);
  const std::size_t posted_after_resume = set.bridge.emulator.messages().size();
  const int duplicates = set.duplicates();
  const int recovered = recovered_in_flight(survivor.output());
  WARN("replica hung (SIGSTOP) mid-burst of "
       << tags.size() << ": all delivered " << all_after
       << " s later by the survivor, which recovered " << recovered << " item(s) in flight; "
       << posted_after_resume - posted_before_resume << " post(s) after it resumed; " << duplicates
       << " posted twice");
  CHECK(set.not_delivered(survivor, tags) == 0);
  CHECK(duplicates <= recovered);
  // Its workers' calls waiting on the pacing are stopped at the send (Dispatcher::may_send);
  // one whose request was being written at the SIGSTOP would still reach Slack.
  CHECK(posted_after_resume - posted_before_resume <= 1);
  CHECK(hung.output().find("lost partition") != std::string::npos);
  CHECK(survivor.terminate().code == 0);
  CHECK(hung.terminate().code == 0);
}

TEST_CASE(
    "a replica joining mid-burst gets its share from a live one without a message posted twice",
    "[cli][postgres][slow]") {
  // One workspace post a second and Slack answering each post after 1.5 s: the first replica
  // has many items in hand, and some of them on the wire, whenever the second one joins.
  ReplicaSet set(1, true, 60);
  auto& first = *set.replicas[0];
  set.bridge.emulator.inject_fault("chat.postMessage", emu::Fault::slow(1500ms), 100000);
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  const auto tags = set.burst(20, refused, senders);
  for (auto& sender : senders) sender.join();
  REQUIRE(refused.load() == 0);
  REQUIRE(wait_until([&] { return set.bridge.emulator.messages().size() >= 20; }, 60s, 10ms));

  TempDir dir("bridgebot-it-pg");
  BotProcess joined(dir.path(), bot_config_yaml(set.bridge.settings));
  const auto started = joined.start();
  INFO(started.value_or("") << set.tails());
  REQUIRE_FALSE(started.has_value());
  const std::size_t posted_at_join = set.bridge.emulator.messages().size();
  CHECK(wait_until([&] { return partitions_held(joined) > 0; }, 30s, 100ms));
  const bool all_seen = wait_until(
      [&] { return posts_per_tag(set.bridge.emulator).size() == tags.size(); }, 120s, 100ms);
  INFO(set.tails() << "joined:\n" << joined.output_tail());
  REQUIRE(all_seen);
  // Slack has each post 1.5 s before the bot has its answer recorded.
  CHECK(wait_until(
      [&] { return delivered_by(first) + delivered_by(joined) >= static_cast<long>(tags.size()); },
      30s, 100ms));
  CHECK(set.not_delivered(first, tags) == 0);
  const int duplicates = set.duplicates();
  WARN("a replica joined after " << posted_at_join << " of " << tags.size()
                                 << " posts: it delivered " << delivered_by(joined)
                                 << ", recovered " << recovered_in_flight(joined.output())
                                 << " item(s) in flight; " << duplicates << " posted twice");
  // The first replica sent nothing more from the partitions it gave up, and released them after
  // the posts already on the wire were answered: the joined one re-sent nothing Slack had.
  CHECK(delivered_by(joined) > 0);
  CHECK(duplicates == 0);
  CHECK(first.terminate().code == 0);
  CHECK(joined.terminate().code == 0);
}

TEST_CASE("two live processes on one SQLite file share delivery and post each message once",
          "[cli][replicas]") {
  ReplicaSet set(2, false);
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  const auto tags = set.burst(10, refused, senders);
  for (auto& sender : senders) sender.join();
  REQUIRE(refused.load() == 0);
  const bool all_seen = wait_until(
      [&] { return posts_per_tag(set.bridge.emulator).size() == tags.size(); }, 60s, 100ms);
  INFO(set.tails());
  REQUIRE(all_seen);
  CHECK(set.not_delivered(*set.replicas[1], tags) == 0);
  CHECK(delivered_by(*set.replicas[0]) > 0);
  CHECK(delivered_by(*set.replicas[1]) > 0);
  CHECK(set.duplicates() == 0);
  CHECK(set.replicas[0]->terminate().code == 0);
  CHECK(set.replicas[1]->terminate().code == 0);
}

TEST_CASE("a replica killed and restarted on the same host takes its own leases back at once",
          "[cli][postgres]") {
  Bridge bridge;
  bridge.settings.store_url = new_postgres_database();
  bridge.settings.encryption_key =
      bridgebot::core::base64_encode(bridgebot::core::random_bytes(32));
  bridge.settings.require_recipient_link = false;
  const auto people = add_slack_users(bridge.emulator, "T0001", 1000, 2);
  bridge.start_bot();
  REQUIRE(bridge.api->post("/v1/messages", visitor_message("pg-0001", people[0], "T0001")).status ==
          202);
  REQUIRE(json_string(bridge.wait_final("pg-0001"), "status") == "delivered");

  // When the killed process's leases would expire (it renews them every second).
  auto store = bridgebot::store::open_postgres_store(bridge.settings.store_url);
  REQUIRE(store.ok());
  const auto kill_time = std::time(nullptr);
  CHECK(bridge.kill_bot().signal == SIGKILL);
  auto leases = (*store)->list_leases("delivery:");
  REQUIRE(leases.ok());
  REQUIRE(leases->size() == bridgebot::store::kDeliveryPartitions);
  std::int64_t expires_at = leases->front().expires_at;
  for (const auto& lease : *leases) expires_at = std::min(expires_at, lease.expires_at);

  const auto restart = std::chrono::steady_clock::now();
  bridge.start_bot();
  REQUIRE(bridge.api->post("/v1/messages", visitor_message("pg-0002", people[1], "T0001")).status ==
          202);
  REQUIRE(wait_until([&] { return posts_per_tag(bridge.emulator).count("pg-0002") == 1; }, 30s));
  const auto delivered_at = std::time(nullptr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restart).count();
  INFO(bridge.bot->output_tail());
  // Delivered before the dead process's leases expired: they were taken over, not waited out.
  CHECK(delivered_at < expires_at);
  CHECK(bridge.bot->output().find("which no longer runs: taking it now") != std::string::npos);
  WARN("kill -9 + restart on the same host: delivering again "
       << seconds << " s after the restart began (" << expires_at - kill_time
       << " s before the leases expired)");
  CHECK(bridge.stop_bot().code == 0);
}
