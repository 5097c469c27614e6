// Ack latency of Socket Mode: from the emulator writing an envelope to the emulator reading its
// ack back, with 2 connections at about 1,000 envelopes/s for a few seconds, over loopback.
// Prints p50/p99/max. Run by hand (release build); not a test.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "integration/socket_mode_rig.h"

using namespace bridgebot;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  constexpr int kPerSecond = 1'000;

  testing::SocketModeRig rig(testing::fast_socket_mode_options(2));
  if (!rig.started_server || !rig.socket_mode->start().ok() ||
      !testing::eventually([&] { return rig.socket_mode->status().open_connections == 2; })) {
    std::fprintf(stderr, "could not connect\n");
    return 1;
  }

  // 1 ms apart, paced against the clock so a late wake-up does not lower the rate.
  const int total = seconds * kPerSecond;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start + i * 1ms);
    rig.slack().send_event("T0001", testing::user_change_event(i));
  }
  auto sent_in = std::chrono::steady_clock::now() - start;
  bool done = testing::eventually(
      [&] { return rig.slack().in_flight() == 0 && rig.slack().queued() == 0; }, 30s);

  std::vector<double> latencies_ms;
  int unacked = 0;
  for (const auto& event : rig.slack().events()) {
    for (const auto& delivery : event.deliveries) {
      if (!delivery.ack_latency) {
        unacked++;
        continue;
      }
      latencies_ms.push_back(static_cast<double>(delivery.ack_latency->count()) / 1'000.0);
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    auto index = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[index];
  };
  std::printf("socket mode ack latency (emulator write -> ack read), 2 connections\n");
  std::printf("envelopes %zu in %.2f s (%.0f/s), unacked %d, drained %s\n", latencies_ms.size(),
              std::chrono::duration<double>(sent_in).count(),
              static_cast<double>(total) / std::chrono::duration<double>(sent_in).count(), unacked,
              done ? "yes" : "no");
  std::printf("p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", percentile(0.50), percentile(0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  auto status = rig.socket_mode->status();
  std::printf("client: envelopes %llu acks %llu recorded %llu reconnects %llu\n",
              static_cast<unsigned long long>(status.counters.envelopes),
              static_cast<unsigned long long>(status.counters.acks),
              static_cast<unsigned long long>(status.counters.recorded),
              static_cast<unsigned long long>(status.counters.reconnects));
  return done && unacked == 0 ? 0 : 1;
}
