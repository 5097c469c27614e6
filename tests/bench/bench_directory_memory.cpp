// bench_directory_memory: the bot's resident memory with a large directory in its store:
// --entries directory cache entries (email -> Slack user) and as many links, in one workspace.
// The store is SQLite on disk; what this checks is that the bot does not hold the directory in
// memory (only SQLite's page caches), before and after it has done lookups and relays over it.
//
// Seeding goes through the Store interface (upsert_directory in pages, put_link from many threads
// so the group commit folds them), into a store file the real binary then opens.
//
//   bench_directory_memory [--entries 1000000] [--lookups 20000] [--relays 2000]
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bridgebot/core/clock.h"
#include "bridgebot/store/sqlite_store.h"
#include "harness/bot_process.h"
#include "harness/options.h"
#include "harness/platform_client.h"
#include "harness/stats.h"
#include "harness/world.h"

namespace {

using namespace bridgebot;
using Clock = std::chrono::steady_clock;

// Person number i of the big directory. The first users_per_team exist in the emulator (World
// names them the same way), so relays to them reach Slack; the rest exist only in the store.
std::string email_of(const bench::BenchTeam& team, long i) {
  return "user" + std::to_string(i) + "@" + team.domain + ".example";
}
std::string slack_id_of(const bench::BenchTeam& team, long i) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "x%05ld", i);
  return "U" + team.id + suffix;
}

void seed_directory(const std::string& db_path, const bench::BenchTeam& team, long entries) {
  auto opened = store::open_sqlite_store(db_path);
  if (!opened.ok()) throw std::runtime_error(opened.error().to_string());
  store::Store& db = **opened;
  const auto now = core::system_clock().unix_seconds();
  const auto start = Clock::now();

  constexpr long kPage = 10'000;
  for (long first = 0; first < entries; first += kPage) {
    std::vector<store::DirectoryEntry> page;
    for (long i = first; i < std::min(entries, first + kPage); ++i) {
      page.push_back({team.id, email_of(team, i),
                      store::DirectoryUser{slack_id_of(team, i), "user" + std::to_string(i),
                                           "https://avatars.example/" + std::to_string(i)},
                      now});
    }
    if (auto stored = db.upsert_directory(page); !stored.ok()) {
      throw std::runtime_error(stored.error().to_string());
    }
  }
  std::printf("seeded %ld directory entries in %.1f s\n", entries, bench::seconds_since(start));

  // put_link is one call per link: many threads let the group commit fold them.
  const auto links_start = Clock::now();
  std::atomic<long> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 128; ++t) {
    threads.emplace_back([&] {
      for (long i = next++; i < entries; i = next++) {
        store::Link link;
        link.team_id = team.id;
        link.platform_user_id = "p-" + email_of(team, i);
        link.slack_user_id = slack_id_of(team, i);
        link.email = email_of(team, i);
        link.linked_at = now;
        if (auto stored = db.put_link(link); !stored.ok()) {
          std::fprintf(stderr, "put_link: %s\n", stored.error().to_string().c_str());
          std::abort();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::printf("seeded %ld links in %.1f s\n", entries, bench::seconds_since(links_start));
}

long file_kb(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<long>(info.st_size / 1024) : 0;
}

int run(bench::Options& options) {
  const long entries = static_cast<long>(options.number("entries", 1'000'000));
  const long lookups = static_cast<long>(options.number("lookups", 20'000));
  const long relays = static_cast<long>(options.number("relays", 2'000));
  options.check();

  // 200 real Slack users to relay to; the other entries exist only in the store.
  constexpr int kSlackUsers = 200;
  bench::World world({1, kSlackUsers, false});
  const bench::BenchTeam& team = world.teams().front();
  bench::ScratchDir dir;
  const std::string db_path = dir.file("bridgebot.db");
  bench::seed_installations(db_path, world);
  seed_directory(db_path, team, entries);

  // Recipients must be linked: every relay resolves through the 1M-row links table.
  bench::BotOptions bot_options;
  bot_options.require_recipient_link = true;
  bench::BotProcess bot(dir, world, bot_options);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // start-up sweep of 200 users
  const bench::Memory started = bot.memory();

  bench::PlatformClient client(bot.port(), 16);
  std::mt19937_64 random(42);
  std::uniform_int_distribution<long> anyone(0, entries - 1);
  std::atomic<long> misses{0};
  auto parallel = [&](long count, auto&& one) {
    std::atomic<long> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&] {
        for (long n = next++; n < count; n = next++) one(n);
      });
    }
    for (auto& thread : threads) thread.join();
  };

  // GET /v1/users/{id}/link for random people across the whole table.
  std::vector<long> picks(static_cast<std::size_t>(lookups));
  for (auto& pick : picks) pick = anyone(random);
  const auto lookup_start = Clock::now();
  parallel(lookups, [&](long n) {
    const std::string id = "p-" + email_of(team, picks[static_cast<std::size_t>(n)]);
    if (client.get("/v1/users/" + id + "/link?team_id=" + team.id) != 200) ++misses;
  });
  const double lookup_seconds = bench::seconds_since(lookup_start);
  const bench::Memory after_lookups = bot.memory();

  const auto relay_start = Clock::now();
  parallel(relays, [&](long n) {
    const std::string email = email_of(team, n % kSlackUsers);
    const auto body = bench::mention_json("dm-" + std::to_string(n), team.id, email,
                                          bench::message_tag(static_cast<std::uint64_t>(n)));
    if (client.post_message(body) != 202) ++misses;
  });
  // Delivery is paced per workspace (5/s after a burst of 20); memory is what this bench is
  // about, so it waits for a few hundred deliveries, not for all of them.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::seconds(1));
  const double relay_seconds = bench::seconds_since(relay_start);
  const bench::Memory after_relays = bot.memory();

  std::printf("store: %ld directory entries + %ld links; db %.1f MiB, wal %.1f MiB\n", entries,
              entries, bench::mib(file_kb(db_path)), bench::mib(file_kb(db_path + "-wal")));
  std::printf("bot RSS after start:     %.1f MiB\n", bench::mib(started.rss_kb));
  std::printf("bot RSS after %ld link lookups (%.0f/s): %.1f MiB\n", lookups,
              static_cast<double>(lookups) / lookup_seconds, bench::mib(after_lookups.rss_kb));
  std::printf("bot RSS after %ld relays accepted, %zu delivered in %.0f s: %.1f MiB\n", relays,
              world.message_count(), relay_seconds, bench::mib(after_relays.rss_kb));
  std::printf("bot peak RSS (VmHWM): %.1f MiB; failed requests: %ld\n",
              bench::mib(after_relays.hwm_kb), misses.load());
  return misses == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_main(argc, argv, "bench_directory_memory", run);
}
