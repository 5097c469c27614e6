// bench_store_claim: the store's share of a relayed message, without HTTP or Slack: the CPU of
// the accept, the claim and the outcome of each item, on a SQLite store on disk.
//
// Accepts --messages messages (one recipient item each) over --teams workspaces x --users
// recipients (one ordering key per recipient), then claims them --batch at a time, keeping
// --in-flight items claimed and unrecorded as the dispatcher does (so that a claim steps over
// items whose key is still in flight), recording each claimed batch's outcomes after the next
// claim, each delivered with one Slack post as a relay records it. The process's CPU time and
// write calls (SQLite's WAL frames and checkpoint pages: one pwrite each) over each phase, per
// item, are printed; run it under `valgrind --tool=callgrind` to see where each phase spends.
//
//   bench_store_claim [--messages 20000] [--teams 1000] [--users 8] [--batch 64]
//                     [--in-flight 256] [--accept-threads 32]
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/store/sqlite_store.h"
#include "harness/bot_process.h"
#include "harness/options.h"
#include "support/store_seed.h"

namespace {

using namespace bridgebot;

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The process's write system calls so far (/proc/self/io "syscw").
long write_calls() {
  std::ifstream io("/proc/self/io");
  std::string name;
  long value = 0;
  while (io >> name >> value) {
    if (name == "syscw:") return value;
  }
  return 0;
}

std::string team_id(int n) {
  char id[16];
  std::snprintf(id, sizeof id, "T%08d", n);
  return id;
}

int run(bench::Options& options) {
  const long messages = static_cast<long>(options.number("messages", 20'000));
  const auto teams = static_cast<int>(options.number("teams", 1000));
  const auto users = static_cast<int>(options.number("users", 8));
  const auto batch = static_cast<int>(options.number("batch", 64));
  const auto in_flight = static_cast<std::size_t>(options.number("in-flight", 256));
  const auto accept_threads = static_cast<int>(options.number("accept-threads", 32));
  options.check();

  bench::ScratchDir dir;
  auto opened = store::open_sqlite_store(dir.file("bridgebot.db"));
  if (!opened.ok()) {
    std::fprintf(stderr, "store: %s\n", opened.error().to_string().c_str());
    return 1;
  }
  store::Store& db = **opened;
  for (int t = 0; t < teams; ++t) (void)test::record_installed(db, team_id(t));

  // Accept from several threads, as the HTTP workers do (so group commits hold several).
  std::atomic<long> next{0};
  double cpu = cpu_seconds();
  long writes = write_calls();
  std::vector<std::thread> threads;
  for (int c = 0; c < accept_threads; ++c) {
    threads.emplace_back([&] {
      for (long n = next++; n < messages; n = next++) {
        const std::string team = team_id(static_cast<int>(n % teams));
        const std::string user = "U" + std::to_string((n / teams) % users);
        store::AcceptRequest request;
        request.source_id = "m" + std::to_string(n);
        request.team_id = team;
        request.now = 100;
        request.items.push_back({"recipient", user,
                                 R"({"text":"a message of some length to carry along"})",
                                 team + ":" + user, 100});
        if (auto accepted = db.accept(request); !accepted.ok()) {
          std::fprintf(stderr, "accept: %s\n", accepted.error().to_string().c_str());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double accept_cpu = cpu_seconds() - cpu;
  const long accept_writes = write_calls() - writes;

  double claim_cpu = 0;
  double record_cpu = 0;
  long claim_writes = 0;
  long record_writes = 0;
  long claimed_total = 0;
  std::deque<std::vector<store::OutboxItem>> unrecorded;
  std::size_t unrecorded_items = 0;
  auto record_oldest = [&] {
    std::vector<store::Outcome> outcomes;
    for (const auto& item : unrecorded.front()) {
      store::Outcome outcome;
      outcome.item_id = item.item_id;
      outcome.status = store::ItemStatus::delivered;
      outcome.deliveries.push_back({"recipient", item.destination,
                                    "D" + item.destination + item.team_id,
                                    "1733370000." + std::to_string(100000 + item.item_id)});
      outcomes.push_back(outcome);
    }
    unrecorded_items -= unrecorded.front().size();
    unrecorded.pop_front();
    const double before = cpu_seconds();
    const long writes_before = write_calls();
    (void)db.record_outcomes("bench", outcomes);
    record_cpu += cpu_seconds() - before;
    record_writes += write_calls() - writes_before;
  };
  while (true) {
    const double before = cpu_seconds();
    const long writes_before = write_calls();
    auto claimed = db.claim_due(100, batch, "bench", store::kAllPartitions);
    claim_cpu += cpu_seconds() - before;
    claim_writes += write_calls() - writes_before;
    if (!claimed.ok()) {
      std::fprintf(stderr, "claim: %s\n", claimed.error().to_string().c_str());
      return 1;
    }
    if (claimed->empty() && unrecorded.empty()) break;
    claimed_total += static_cast<long>(claimed->size());
    unrecorded_items += claimed->size();
    if (!claimed->empty()) unrecorded.push_back(std::move(*claimed));
    while (!unrecorded.empty() && (unrecorded_items > in_flight || claimed->empty())) {
      record_oldest();
    }
  }
  const auto per_item = [&](double seconds) {
    return 1e6 * seconds / static_cast<double>(messages);
  };
  std::printf("items: %ld accepted, %ld claimed\n", messages, claimed_total);
  std::printf("CPU per item: accept %.1f us, claim %.1f us, record %.1f us\n", per_item(accept_cpu),
              per_item(claim_cpu), per_item(record_cpu));
  const auto writes_per_item = [&](long calls) {
    return static_cast<double>(calls) / static_cast<double>(messages);
  };
  std::printf("write calls per item: accept %.2f, claim %.2f, record %.2f\n",
              writes_per_item(accept_writes), writes_per_item(claim_writes),
              writes_per_item(record_writes));
  return claimed_total == messages ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_main(argc, argv, "bench_store_claim", run);
}
