// bench_replicas: bridgebot replicas (the real binary, --replicas of them) on one PostgreSQL
// database (the private test server) sharing delivery by partitions, and what a replica's death
// costs.
//
//   1. Throughput and the work split: --messages posted round-robin to the replicas (closed loop,
//      --connections per replica), spread over --teams workspaces of --users people; delivered
//      msg/s, the bots' CPU-ms per message, and how many each replica delivered (/metrics).
//   2. kill -9 one replica mid-burst: how long until the survivors hold all 16 partitions
//      (at once here: the dead pid is on this machine), nothing lost, how many posted twice.
//   3. SIGSTOP one replica mid-burst, as a replica on another machine looks when it dies (its
//      pid cannot be checked from here): the survivors wait for its leases to expire (10 s);
//      SIGCONT afterwards shows that a stalled replica sends nothing from partitions it lost.
//   4. The killed replica restarted: how long from spawn until it delivers again.
//
// On a 2-core machine the replicas share the cores and the database: throughput cannot grow with
// replicas; the point is that each delivers a share and that a death moves its share.
//
//   bench_replicas [--replicas 3] [--messages 20000] [--teams 1000] [--users 8]
//                  [--connections 16] [--burst 6000]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bridgebot/bridge/lease_owner.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/store/postgres_store.h"
#include "harness/bot_process.h"
#include "harness/options.h"
#include "harness/platform_client.h"
#include "harness/stats.h"
#include "harness/world.h"
#include "support/postgres_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace bridgebot;

// The replicas' view of the partition leases.
class Leases {
 public:
  explicit Leases(const std::string& url) {
    auto opened = store::open_postgres_store(url);
    if (!opened.ok()) throw std::runtime_error(opened.error().to_string());
    store_ = std::move(*opened);
  }
  // How many partitions a live lease of process `pid` holds now.
  int held_by(long pid) const {
    auto rows = store_->list_leases("delivery:");
    if (!rows.ok()) return -1;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    int held = 0;
    for (const auto& row : *rows) {
      const auto process = bridge::owner_process(row.owner);
      if (row.expires_at > now && process && process->pid == pid) ++held;
    }
    return held;
  }

 private:
  std::unique_ptr<store::Store> store_;
};

long delivered_by(bench::BotProcess& bot) {
  bench::PlatformClient client(bot.port(), 1);
  std::string metrics;
  client.get("/metrics", &metrics);
  std::smatch match;
  static const std::regex counter(
      "bridgebot_outbox_items_total\\{outcome=\"delivered\"\\} ([0-9]+)");
  return std::regex_search(metrics, match, counter) ? std::stol(match[1].str()) : -1;
}

template <typename Condition>
bool wait_for(Condition condition, std::chrono::seconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// Posts messages [first, first + count) round-robin to the replicas that are up, from
// `connections` threads per replica; a refused post goes to the next replica (a load balancer).
class Load {
 public:
  Load(std::vector<std::unique_ptr<bench::BotProcess>>& replicas, bench::World& world,
       int connections, int users)
      : replicas_(replicas), world_(world), connections_(connections), users_(users) {}

  long post(long first, long count, const std::set<std::size_t>& down = {}) {
    std::vector<std::unique_ptr<bench::PlatformClient>> clients;
    for (auto& replica : replicas_) {
      clients.push_back(std::make_unique<bench::PlatformClient>(
          replica->port(), static_cast<std::size_t>(connections_)));
    }
    std::atomic<long> next{first};
    std::atomic<long> refused{0};
    std::vector<std::thread> threads;
    const auto teams = static_cast<long>(world_.teams().size());
    for (std::size_t t = 0; t < replicas_.size() * static_cast<std::size_t>(connections_); ++t) {
      threads.emplace_back([&] {
        for (long n = next++; n < first + count; n = next++) {
          const auto& team = world_.teams()[static_cast<std::size_t>(n % teams)];
          const auto& email = team.emails[static_cast<std::size_t>((n / teams) % users_)];
          const std::string body =
              bench::mention_json("rp-" + std::to_string(n), team.id, email,
                                  bench::message_tag(static_cast<std::uint64_t>(n)));
          bool accepted = false;
          for (std::size_t k = 0; k < clients.size() && !accepted; ++k) {
            const std::size_t r = (static_cast<std::size_t>(n) + k) % clients.size();
            if (down.count(r)) continue;
            const int status = clients[r]->post_message(body);
            accepted = status == 202 || status == 200;
          }
          if (!accepted) ++refused;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return refused;
  }

 private:
  std::vector<std::unique_ptr<bench::BotProcess>>& replicas_;
  bench::World& world_;
  int connections_;
  int users_;
};

// Tags the emulator holds: how many distinct and how many posted more than once.
struct Posts {
  std::size_t distinct = 0;
  std::size_t twice = 0;
};
Posts count_posts(bench::World& world) {
  std::map<long long, int> seen;
  for (const auto& message : world.emulator().messages()) ++seen[bench::find_tag(message.text)];
  Posts posts;
  for (const auto& [tag, count] : seen) {
    if (tag < 0) continue;
    ++posts.distinct;
    if (count > 1) posts.twice += static_cast<std::size_t>(count - 1);
  }
  return posts;
}

int run(bench::Options& options) {
  const auto replica_count = static_cast<std::size_t>(options.number("replicas", 3));
  const long messages = static_cast<long>(options.number("messages", 20'000));
  const auto teams = static_cast<int>(options.number("teams", 1000));
  const auto users = static_cast<int>(options.number("users", 8));
  const auto connections = static_cast<int>(options.number("connections", 16));
  const long burst = static_cast<long>(options.number("burst", 6'000));
  options.check();

  std::printf("setup: PostgreSQL, %d workspaces x %d users, %zu replicas...\n", teams, users,
              replica_count);
  bench::World world({teams, users, false});
  const std::string url = test::new_postgres_database();
  const std::string key = core::random_bytes(32);
  {
    auto db = store::open_postgres_store(url);
    if (!db.ok()) throw std::runtime_error(db.error().to_string());
    bench::seed_installations(**db, core::SecretBox(key), world);
  }
  bench::BotOptions bot_options;
  bot_options.store_url = url;
  bot_options.encryption_key = core::base64_encode(key);
  bot_options.log_level = "info";
  std::vector<std::unique_ptr<bench::ScratchDir>> dirs;
  std::vector<std::unique_ptr<bench::BotProcess>> replicas;
  for (std::size_t r = 0; r < replica_count; ++r) {
    dirs.push_back(std::make_unique<bench::ScratchDir>());
    replicas.push_back(std::make_unique<bench::BotProcess>(*dirs.back(), world, bot_options));
  }
  Leases leases(url);
  // Start-up sweeps (users.list per workspace and replica), then the partitions settle.
  wait_for(
      [&] {
        return world.emulator().calls_of("users.list").size() >=
               replica_count * static_cast<std::size_t>(teams);
      },
      std::chrono::seconds(300));
  wait_for(
      [&] {
        int total = 0;
        for (auto& replica : replicas) {
          const int held = leases.held_by(replica->pid());
          if (held <= 0) return false;
          total += held;
        }
        return total == store::kDeliveryPartitions;
      },
      std::chrono::seconds(60));
  std::printf("partitions:");
  for (auto& replica : replicas) std::printf(" %d", leases.held_by(replica->pid()));
  std::printf("\n");

  // 1. Throughput and split.
  Load load(replicas, world, connections, users);
  double cpu_before = 0;
  for (auto& replica : replicas) cpu_before += replica->cpu_seconds();
  const auto start = Clock::now();
  const long refused = load.post(0, messages);
  const double accepted_after = bench::seconds_since(start);
  wait_for([&] { return world.message_count() >= static_cast<std::size_t>(messages); },
           std::chrono::seconds(600));
  const double delivered_after = bench::seconds_since(start);
  double cpu = 0;
  for (auto& replica : replicas) cpu += replica->cpu_seconds();
  cpu -= cpu_before;
  std::printf(
      "1. %ld messages: accepted in %.2f s (%.0f msg/s, %ld refused), all delivered by "
      "%.2f s = %.0f msg/s; bots' CPU %.2f s = %.3f CPU-ms per message\n",
      messages, accepted_after, static_cast<double>(messages) / accepted_after, refused,
      delivered_after, static_cast<double>(messages) / delivered_after, cpu,
      1000.0 * cpu / static_cast<double>(messages));
  std::printf("   delivered per replica:");
  for (auto& replica : replicas) std::printf(" %ld", delivered_by(*replica));
  std::printf("\n");

  // 2. kill -9 one replica mid-burst.
  long next = messages;
  auto failover = [&](std::size_t victim, bool stall) {
    const long first = next;
    next += burst;
    const std::size_t posted_before = world.message_count();
    std::thread sender([&] { load.post(first, burst, {victim}); });
    wait_for([&] { return world.message_count() >= posted_before + burst / 4; },
             std::chrono::seconds(120));
    const int victim_held = leases.held_by(replicas[victim]->pid());
    const long victim_pid = replicas[victim]->pid();
    stall ? replicas[victim]->pause() : replicas[victim]->kill9();
    const auto at = Clock::now();
    const bool moved = wait_for(
        [&] {
          int total = 0;
          for (std::size_t r = 0; r < replicas.size(); ++r) {
            if (r != victim) total += leases.held_by(replicas[r]->pid());
          }
          return total == store::kDeliveryPartitions;
        },
        std::chrono::seconds(60));
    const double moved_after = bench::seconds_since(at);
    sender.join();
    // Every message so far (duplicates add to the count too: then distinct tags are counted).
    const auto expected = static_cast<std::size_t>(first + burst);
    wait_for([&] { return world.message_count() >= expected; }, std::chrono::seconds(300));
    for (int i = 0; i < 60 && count_posts(world).distinct < expected; ++i) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    const double all_after = bench::seconds_since(at);
    if (stall) {
      replicas[victim]->resume();
      std::this_thread::sleep_for(std::chrono::seconds(3));  // let it notice
    }
    const Posts posts = count_posts(world);
    std::printf(
        "%s replica %zu (pid %ld, %d partitions) mid-burst of %ld: survivors held all "
        "partitions %s %.2f s later; %zu of %zu messages so far delivered, the last "
        "%.2f s after; %zu posted twice so far\n",
        stall ? "3. SIGSTOP" : "2. kill -9", victim, victim_pid, victim_held, burst,
        moved ? "" : "NOT within 60 s,", moved_after, posts.distinct, expected, all_after,
        posts.twice);
  };
  if (replicas.size() < 3) {  // the failovers need a victim for each and a survivor
    for (auto& replica : replicas) replica->stop();
    return 0;
  }
  failover(1, false);
  failover(2, true);

  // 4. Restart the killed replica: how long until it delivers again (it gets a share back).
  const auto restart = Clock::now();
  replicas[1] = std::make_unique<bench::BotProcess>(*dirs[1], world, bot_options);
  const double healthy_after = bench::seconds_since(restart);
  const long first = next;
  std::thread sender([&] { load.post(first, burst); });
  const bool delivering =
      wait_for([&] { return delivered_by(*replicas[1]) > 0; }, std::chrono::seconds(60));
  const double delivering_after = bench::seconds_since(restart);
  sender.join();
  std::printf(
      "4. restarted replica 1: healthy %.2f s, delivering %s %.2f s after the spawn "
      "(partitions: %d)\n",
      healthy_after, delivering ? "" : "NOT within 60 s,", delivering_after,
      leases.held_by(replicas[1]->pid()));
  for (auto& replica : replicas) replica->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_main(argc, argv, "bench_replicas", run);
}
