// bench_relay_latency: end-to-end latency of a relayed 1:1 mention at a steady rate, from the
// moment the platform's POST /v1/messages is sent to the moment the DM reaches Slack (the
// emulator's arrival time of the chat.postMessage call that carries the message's tag).
//
// Open loop: message i is due at start + i / rate and sent by one of --senders threads (each
// with its own keep-alive connection), so a slow answer does not slow the offered load. Also
// prints the accept latency (the POST's round trip, which includes the durable commit), and the
// bot's CPU time per message over the run.
//
// bridgebot paces chat.postMessage per workspace (5/s steady, burst 20) and per DM (1/s, burst
// 3). Run with --teams 1 to see that pacing set the figure; the default spreads the load over
// enough workspaces and recipients that pacing never has to hold a message back.
//
//   bench_relay_latency [--rate 200] [--seconds 10] [--teams 64] [--users 16] [--senders 8]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <thread>
#include <vector>

#include "harness/bot_process.h"
#include "harness/options.h"
#include "harness/platform_client.h"
#include "harness/stats.h"
#include "harness/world.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

int run(bench::Options& options) {
  const auto rate = static_cast<double>(options.number("rate", 200));
  const auto seconds = static_cast<double>(options.number("seconds", 10));
  const auto teams = static_cast<int>(options.number("teams", 64));
  const auto users = static_cast<int>(options.number("users", 16));
  const auto senders = static_cast<int>(options.number("senders", 8));
  options.check();
  const auto messages = static_cast<std::size_t>(rate * seconds);

  bench::World world({teams, users, false});
  bench::ScratchDir dir;
  bench::seed_installations(dir.file("bridgebot.db"), world);
  bench::BotProcess bot(dir, world);
  world.wait_for_startup_sweep();
  std::this_thread::sleep_for(std::chrono::seconds(1));

  std::vector<std::string> bodies;
  for (std::size_t n = 0; n < messages; ++n) {
    const auto& team = world.teams()[n % static_cast<std::size_t>(teams)];
    const auto& email = team.emails[(n / static_cast<std::size_t>(teams)) % team.emails.size()];
    bodies.push_back(
        bench::mention_json("lat-" + std::to_string(n), team.id, email, bench::message_tag(n)));
  }

  std::vector<Clock::time_point> sent(messages), answered(messages);
  std::atomic<long> not_accepted{0};
  bench::PlatformClient client(bot.port(), static_cast<std::size_t>(senders));
  const long commits_at_start = bench::metric(client, "bridgebot_store_write_transactions_total");
  const double cpu_at_start = bot.cpu_seconds();
  const double own_cpu_at_start = bench::own_cpu_seconds();
  const long long switches_at_start = bot.context_switches();
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (std::size_t n = static_cast<std::size_t>(s); n < messages;
           n += static_cast<std::size_t>(senders)) {
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(n)));
        sent[n] = Clock::now();
        if (client.post_message(bodies[n]) != 202) ++not_accepted;
        answered[n] = Clock::now();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double offered_seconds = bench::seconds_since(start);

  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (world.message_count() < messages && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double cpu_used = bot.cpu_seconds() - cpu_at_start;
  const double own_cpu_used = bench::own_cpu_seconds() - own_cpu_at_start;
  const long long switches = bot.context_switches() - switches_at_start;
  const bench::Memory memory = bot.memory();

  // The emulator stamps each call's arrival with the same steady clock this process reads.
  std::vector<double> end_to_end, accept;
  std::vector<bool> seen(messages, false);
  for (const auto& call : world.emulator().calls_of("chat.postMessage")) {
    auto text = call.params.find("text");
    const long long n = text == call.params.end() ? -1 : bench::find_tag(text->second);
    if (n < 0 || static_cast<std::size_t>(n) >= messages || seen[static_cast<std::size_t>(n)]) {
      continue;
    }
    seen[static_cast<std::size_t>(n)] = true;
    end_to_end.push_back(ms_between(sent[static_cast<std::size_t>(n)], call.arrival));
  }
  for (std::size_t n = 0; n < messages; ++n) accept.push_back(ms_between(sent[n], answered[n]));

  std::printf("offered: %zu messages at %.0f/s over %.2f s, %d workspaces x %d users\n", messages,
              rate, offered_seconds, teams, users);
  std::printf("not accepted: %ld; delivered: %zu\n", not_accepted.load(), end_to_end.size());
  std::printf("accept (POST round trip) ms: p50 %.2f  p99 %.2f  max %.2f\n",
              bench::quantile(accept, 0.50), bench::quantile(accept, 0.99),
              bench::quantile(accept, 1.0));
  std::printf("end-to-end (POST sent -> in Slack) ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
              bench::quantile(end_to_end, 0.50), bench::quantile(end_to_end, 0.90),
              bench::quantile(end_to_end, 0.99), bench::quantile(end_to_end, 1.0));
  std::printf("bot CPU: %.2f s = %.3f CPU-ms per message (accept + delivery, and idle polls)\n",
              cpu_used, 1000.0 * cpu_used / static_cast<double>(messages));
  std::printf("bench CPU (emulator + load): %.2f s = %.3f CPU-ms per message, same span\n",
              own_cpu_used, 1000.0 * own_cpu_used / static_cast<double>(messages));
  std::printf("bot context switches: %.2f per message\n",
              static_cast<double>(switches) / static_cast<double>(messages));
  std::printf(
      "store commits: %.3f per message\n",
      static_cast<double>(bench::metric(client, "bridgebot_store_write_transactions_total") -
                          commits_at_start) /
          static_cast<double>(messages));
  std::printf("taken for delivery by their accept: %ld, by the claimer: %ld\n",
              bench::metric(client, "bridgebot_outbox_items_claimed_total{by=\"accept\"}"),
              bench::metric(client, "bridgebot_outbox_items_claimed_total{by=\"claimer\"}"));
  std::printf("bot memory: RSS %.1f MiB, peak (VmHWM) %.1f MiB\n", bench::mib(memory.rss_kb),
              bench::mib(memory.hwm_kb));
  return not_accepted == 0 && end_to_end.size() == messages ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_main(argc, argv, "bench_relay_latency", run);
}
