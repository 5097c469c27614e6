// bench_relay_throughput: how many 1:1 mentions per second the real bridgebot binary accepts
// durably (202 after the SQLite group commit) and delivers into Slack (the emulator, its rate
// limits off; bridgebot's own pacing stays on).
//
// N keep-alive connections post pre-signed POST /v1/messages as fast as the answers come back
// (closed loop, all on one I/O thread of the bench). Recipients are spread over --teams workspaces
// of --users people, because bridgebot paces chat.postMessage per workspace (5/s, burst 20) and per
// DM (1/s, burst 3): with one workspace the delivery figure is that pacing, not the pipeline.
//
// The bot's CPU time (user + system, from /proc) over the same span gives CPU-ms per message; the
// bench's own (the emulator and the load generator, getrusage) is printed beside it.
//
// With the default workspace rate (300/min: 5/s after a burst of 20), 40,000 messages over 1,000
// workspaces cannot all be delivered in under 4 s, so delivery cannot pass 10,000 msg/s however
// fast the bot is. --post-rate-per-minute N sets slack.rate_limits.post_message_per_workspace_
// per_minute to take that ceiling away (the per-DM pacing, 1/s after a burst of 3, stays on).
//
// --slack-latency-ms N makes the emulator answer every chat.postMessage N ms late, as Slack
// across the internet does (tens to hundreds of ms): delivery is then bound by how many calls
// the bot keeps in flight, not by its CPU.
//
//   bench_relay_throughput [--connections 64] [--messages 40000] [--teams 1000] [--users 8]
//                          [--slack-latency-ms 0] [--post-rate-per-minute 0 (the default)]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

#include "harness/bot_process.h"
#include "harness/options.h"
#include "harness/platform_client.h"
#include "harness/stats.h"
#include "harness/world.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  std::atomic<long> accepted{0};  // 202
  std::atomic<long> other{0};     // anything else: reported, never expected
};

int run(bench::Options& options) {
  const auto connections = static_cast<int>(options.number("connections", 64));
  const long messages = static_cast<long>(options.number("messages", 40'000));
  const auto teams = static_cast<int>(options.number("teams", 1000));
  const auto users = static_cast<int>(options.number("users", 8));
  const auto slack_latency = std::chrono::milliseconds(options.number("slack-latency-ms", 0));
  bench::BotOptions bot_options;
  bot_options.post_rate_per_minute = static_cast<int>(options.number("post-rate-per-minute", 0));
  options.check();

  std::printf("setup: %d workspaces x %d users, seeding the store...\n", teams, users);
  bench::World world({teams, users, false});
  bench::ScratchDir dir;
  bench::seed_installations(dir.file("bridgebot.db"), world);
  bench::BotProcess bot(dir, world, bot_options);
  // Let the start-up directory sweep (one users.list per workspace) finish first: it is
  // start-up work, not relay work.
  world.wait_for_startup_sweep();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const bench::Memory idle = bot.memory();
  if (slack_latency.count() > 0) {
    world.emulator().inject_fault("chat.postMessage",
                                  bridgebot::emulator::Fault::slow(slack_latency),
                                  static_cast<int>(messages));
  }

  bench::PlatformClient client(bot.port(), static_cast<std::size_t>(connections));
  // Requests are built and signed before the clock starts, as wrk replays pre-signed ones: the
  // load generator's own work is not the bot's, and it shares the bot's cores.
  std::vector<bench::SignedPost> posts;
  posts.reserve(static_cast<std::size_t>(messages));
  for (long n = 0; n < messages; ++n) {
    const auto& team = world.teams()[static_cast<std::size_t>(n % teams)];
    const auto& email = team.emails[static_cast<std::size_t>((n / teams) % users)];
    posts.push_back(
        client.signed_post(bench::mention_json("tp-" + std::to_string(n), team.id, email,
                                               bench::message_tag(static_cast<std::uint64_t>(n)))));
  }

  Figures figures;
  const long commits_at_start = bench::metric(client, "bridgebot_store_write_transactions_total");
  const double cpu_at_start = bot.cpu_seconds();
  const double own_cpu_at_start = bench::own_cpu_seconds();
  const long long switches_at_start = bot.context_switches();
  const long long writes_at_start = bot.write_calls();
  const auto start = Clock::now();
  // Delivery is watched while the load runs: the emulator's message count, every 10 ms.
  std::atomic<bool> load_done{false};
  double all_delivered_at = -1;
  std::thread watcher([&] {
    const auto deadline = Clock::now() + std::chrono::minutes(10);
    while (Clock::now() < deadline) {
      const auto seen = static_cast<long>(world.message_count());
      if (load_done && seen >= figures.accepted) {
        all_delivered_at = bench::seconds_since(start);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  for (const int status :
       client.post_all(std::move(posts), static_cast<std::size_t>(connections))) {
    (status == 202 ? figures.accepted : figures.other)++;
  }
  const double accept_seconds = bench::seconds_since(start);
  const std::size_t delivered_when_accepted = world.message_count();
  load_done = true;
  watcher.join();
  const double cpu_used = bot.cpu_seconds() - cpu_at_start;
  const double own_cpu_used = bench::own_cpu_seconds() - own_cpu_at_start;
  const long long switches = bot.context_switches() - switches_at_start;
  const long long writes = bot.write_calls() - writes_at_start;
  const bench::Memory peak = bot.memory();

  // Spot-check the bot's own view: the last message must read "delivered".
  std::string last;
  client.get("/v1/messages/tp-" + std::to_string(messages - 1), &last);

  const double accepted = static_cast<double>(figures.accepted);
  std::printf(
      "load: %d connections, %ld messages, %d workspaces x %d users, Slack latency %lld ms\n",
      connections, messages, teams, users, static_cast<long long>(slack_latency.count()));
  std::printf("accepted (202): %ld in %.2f s = %.0f msg/s; other answers: %ld\n",
              figures.accepted.load(), accept_seconds, accepted / accept_seconds,
              figures.other.load());
  std::printf("delivered while accepting: %zu\n", delivered_when_accepted);
  if (all_delivered_at > 0) {
    std::printf("delivered: all %ld by %.2f s after the first POST = %.0f msg/s\n",
                figures.accepted.load(), all_delivered_at, accepted / all_delivered_at);
  } else {
    std::printf("delivered: only %zu of %ld within 10 minutes\n", world.message_count(),
                figures.accepted.load());
  }
  std::printf("bot CPU: %.2f s = %.3f CPU-ms per message (accept + delivery)\n", cpu_used,
              1000.0 * cpu_used / accepted);
  // The emulator and the load generator run on the bot's cores: what they take, the bot cannot.
  std::printf("bench CPU (emulator + load): %.2f s = %.3f CPU-ms per message, same span\n",
              own_cpu_used, 1000.0 * own_cpu_used / accepted);
  std::printf("last message: %s\n", last.c_str());
  std::printf("bot context switches: %.2f per message\n",
              static_cast<double>(switches) / static_cast<double>(messages));
  std::printf("bot write calls: %.2f per message\n",
              static_cast<double>(writes) / static_cast<double>(messages));
  // Fewer commits per message: larger groups (each commit costs much the same whatever its size).
  std::printf(
      "store commits: %.3f per message\n",
      static_cast<double>(bench::metric(client, "bridgebot_store_write_transactions_total") -
                          commits_at_start) /
          static_cast<double>(messages));
  std::printf("taken for delivery by their accept: %ld, by the claimer: %ld\n",
              bench::metric(client, "bridgebot_outbox_items_claimed_total{by=\"accept\"}"),
              bench::metric(client, "bridgebot_outbox_items_claimed_total{by=\"claimer\"}"));
  std::printf("bot memory: idle RSS %.1f MiB, peak (VmHWM) %.1f MiB\n", bench::mib(idle.rss_kb),
              bench::mib(peak.hwm_kb));
  return figures.other == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_main(argc, argv, "bench_relay_throughput", run);
}
