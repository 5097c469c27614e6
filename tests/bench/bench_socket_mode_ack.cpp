// bench_socket_mode_ack: how long Slack waits for bridgebot's ack, seen from Slack's side: from
// the emulator writing an events_api envelope to the emulator reading its ack back. The real
// binary runs with 2 Socket Mode connections and a SQLite store, so every ack waits for the
// event to be committed to the inbox (record before ack); the events are then handled from the
// inbox (user_change: a directory update each), competing for the same store.
//
// Also measures what one durable commit costs on the store's disk: 4 KiB pwrite + fdatasync in
// the scratch directory, the floor of a recorded ack.
//
//   bench_socket_mode_ack [--rate 1000] [--seconds 5] [--fsyncs 2000]
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "harness/bot_process.h"
#include "harness/options.h"
#include "harness/stats.h"
#include "harness/world.h"

namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds per 4 KiB write + fdatasync of a file in `dir`.
std::vector<double> fsync_costs(const std::string& dir, int count) {
  const std::string path = dir + "/fsync-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return {};
  std::vector<char> page(4096, 'x');
  std::vector<double> costs;
  for (int i = 0; i < count; ++i) {
    const auto began = Clock::now();
    const auto offset = static_cast<off_t>((i % 256) * 4096);
    if (::pwrite(fd, page.data(), page.size(), offset) != static_cast<ssize_t>(page.size()) ||
        ::fdatasync(fd) != 0) {
      break;
    }
    costs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - began).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  return costs;
}

std::string user_change(int n) {
  return R"({"type":"user_change","user":{"id":"UTB00000x00000","name":"user0","profile":{"email":"user0@bench0.example"},"n":)" +
         std::to_string(n) + "}}";
}

int run(bench::Options& options) {
  const auto rate = static_cast<double>(options.number("rate", 1000));
  const auto seconds = static_cast<double>(options.number("seconds", 5));
  const auto fsyncs = static_cast<int>(options.number("fsyncs", 2000));
  options.check();

  bench::World world({1, 16, false});
  bench::ScratchDir dir;
  const std::vector<double> fsync_ms = fsync_costs(dir.path(), fsyncs);
  bench::seed_installations(dir.file("bridgebot.db"), world);
  bench::BotOptions bot_options;
  bot_options.app_token = world.app_token();
  bench::BotProcess bot(dir, world, bot_options);
  auto& slack = world.socket_mode();
  const auto connect_deadline = Clock::now() + std::chrono::seconds(30);
  while (slack.open_connections() < 2 && Clock::now() < connect_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (slack.open_connections() < 2) {
    std::fprintf(stderr, "the bot did not open 2 Socket Mode connections\n");
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));

  // Open loop, paced against the clock so a late wake-up does not lower the rate.
  const auto total = static_cast<int>(rate * seconds);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto start = Clock::now();
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i)));
    slack.send_event(world.teams().front().id, user_change(i));
  }
  const double sent_in = bench::seconds_since(start);
  const auto drain_deadline = Clock::now() + std::chrono::seconds(30);
  while ((slack.in_flight() > 0 || slack.queued() > 0) && Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  std::vector<double> ack_ms;
  int unacked = 0;
  for (const auto& event : slack.events()) {
    for (const auto& delivery : event.deliveries) {
      if (!delivery.ack_latency) {
        unacked++;
        continue;
      }
      ack_ms.push_back(static_cast<double>(delivery.ack_latency->count()) / 1'000.0);
    }
  }
  std::printf("disk: 4 KiB pwrite + fdatasync in %s, %zu times: p50 %.3f ms  p99 %.3f ms\n",
              dir.path().c_str(), fsync_ms.size(), bench::quantile(fsync_ms, 0.50),
              bench::quantile(fsync_ms, 0.99));
  std::printf("socket mode ack (emulator write -> ack read), real bot, 2 connections, SQLite\n");
  std::printf("envelopes %zu in %.2f s (%.0f/s), unacked %d\n", ack_ms.size(), sent_in,
              static_cast<double>(total) / sent_in, unacked);
  std::printf("p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n", bench::quantile(ack_ms, 0.50),
              bench::quantile(ack_ms, 0.90), bench::quantile(ack_ms, 0.99),
              bench::quantile(ack_ms, 1.0));
  bot.stop();
  return unacked == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    bench::Options options(argc, argv);
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_socket_mode_ack: %s\n", e.what());
    return 1;
  }
}
