// bench_soak: a long run of the real binary, to see that nothing grows with traffic. --messages
// 1:1 mentions with team_id over --teams workspaces are accepted (closed loop, --connections
// threads) and delivered into the emulator; after every --sample of them (all delivered) the
// bot's RSS is read, with the number of secrets its log redaction holds (/metrics). The slope of
// RSS per 100k messages is the figure; a log line's cost follows the redaction list's length,
// so the list at the start and at the end is the second figure, with what one log line costs
// (measured here, in-process) at that length and at the length the old code reached.
//
//   bench_soak [--messages 1000000] [--teams 100] [--users 16] [--connections 32]
//              [--sample 100000]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/core/log.h"
#include "harness/bot_process.h"
#include "harness/options.h"
#include "harness/platform_client.h"
#include "harness/stats.h"
#include "harness/world.h"

namespace {

using Clock = std::chrono::steady_clock;

// Microseconds one typical log line spends in redaction with `secrets` registered the way the
// old code held them (a list with every decryption) or the way it is held now.
double redaction_us(std::size_t secrets, bool as_list) {
  const std::string line =
      "delivered msg-123456 to U0002 in T0042 (D0002, ts 1732183200.000100) after 1 attempt";
  std::vector<std::string> list(secrets, "T0042-emulator-bot-token-for-the-bench");
  bridgebot::core::SecretRegistry registry;
  for (const auto& secret : list) registry.add(secret);
  constexpr int kLines = 2'000;
  std::size_t sink = 0;
  const auto start = Clock::now();
  for (int i = 0; i < kLines; ++i) {
    sink += as_list ? bridgebot::core::redact(line, list).size() : registry.redact(line).size();
  }
  const double us = bench::seconds_since(start) * 1e6 / kLines;
  return sink > 0 ? us : 0;
}

int run(bench::Options& options) {
  const long messages = static_cast<long>(options.number("messages", 1'000'000));
  const auto teams = static_cast<int>(options.number("teams", 100));
  const auto users = static_cast<int>(options.number("users", 16));
  const auto connections = static_cast<int>(options.number("connections", 32));
  const long sample = static_cast<long>(options.number("sample", 100'000));
  options.check();

  std::printf("setup: %d workspaces x %d users, seeding the store...\n", teams, users);
  bench::World world({teams, users, false});
  bench::ScratchDir dir;
  bench::seed_installations(dir.file("bridgebot.db"), world);
  bench::BotProcess bot(dir, world);
  world.wait_for_startup_sweep();
  bench::PlatformClient client(bot.port(), static_cast<std::size_t>(connections));

  // Delivered so far: the emulator forgets what it counted, so the bench's own memory stays flat.
  long delivered = 0;
  auto count_delivered = [&] {
    delivered += static_cast<long>(world.emulator().with_state([](auto& state) {
      const auto n = state.messages.size();
      state.messages.clear();
      return n;
    }));
  };

  std::printf("%10s %10s %12s %10s %10s\n", "messages", "RSS MiB", "redaction", "accept/s",
              "deliver/s");
  const long first_secrets = bench::metric(client, "bridgebot_log_redaction_secrets");
  std::printf("%10d %10.1f %12ld %10s %10s\n", 0, bench::mib(bot.memory().rss_kb), first_secrets,
              "-", "-");
  std::vector<double> rss_mib;
  long other = 0;
  for (long done = 0; done < messages; done += sample) {
    const long end = std::min(messages, done + sample);
    std::atomic<long> next{done};
    std::atomic<long> refused{0};
    const auto start = Clock::now();
    std::vector<std::thread> load;
    for (int c = 0; c < connections; ++c) {
      load.emplace_back([&] {
        for (long n = next++; n < end; n = next++) {
          const auto& team = world.teams()[static_cast<std::size_t>(n % teams)];
          const auto& email = team.emails[static_cast<std::size_t>((n / teams) % users)];
          const std::string body =
              bench::mention_json("soak-" + std::to_string(n), team.id, email,
                                  bench::message_tag(static_cast<std::uint64_t>(n)));
          if (client.post_message(body) != 202) ++refused;
        }
      });
    }
    for (auto& thread : load) thread.join();
    const double accept_s = bench::seconds_since(start);
    other += refused;
    while (delivered < end - other) {
      count_delivered();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double deliver_s = bench::seconds_since(start);
    rss_mib.push_back(bench::mib(bot.memory().rss_kb));
    std::printf("%10ld %10.1f %12ld %10.0f %10.0f\n", end, rss_mib.back(),
                bench::metric(client, "bridgebot_log_redaction_secrets"),
                static_cast<double>(end - done) / accept_s,
                static_cast<double>(end - done) / deliver_s);
    std::fflush(stdout);
  }
  const long last_secrets = bench::metric(client, "bridgebot_log_redaction_secrets");

  // Slope from the first sample (warm caches) to the last, per 100k messages.
  if (rss_mib.size() >= 2) {
    const double span = static_cast<double>(sample) * static_cast<double>(rss_mib.size() - 1);
    std::printf("RSS slope after the first %ld: %.2f MiB per 100k messages\n", sample,
                (rss_mib.back() - rss_mib.front()) * 100'000.0 / span);
  }
  std::printf("peak RSS (VmHWM): %.1f MiB; refused or failed posts: %ld\n",
              bench::mib(bot.memory().hwm_kb), other);
  std::printf("log redaction holds %ld secrets at the start, %ld at the end\n", first_secrets,
              last_secrets);
  // The old code held one entry per decryption: 100k after 100k messages with team_id.
  constexpr std::size_t kOldListAfter100k = 100'000;
  std::printf(
      "one log line's redaction: %.2f us now; %.2f us with the old list after 100k "
      "messages\n",
      redaction_us(static_cast<std::size_t>(std::max(last_secrets, 0L)), false),
      redaction_us(kOldListAfter100k, true));
  return other == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_main(argc, argv, "bench_soak", run);
}
