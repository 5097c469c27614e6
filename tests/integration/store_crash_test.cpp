// kill -9 durability: every accept that returned ok before the process died is in the file.
// (SIGKILL keeps the OS page cache, so this proves the commit protocol, not the fsync; the fsync
// is SQLite's synchronous=FULL.)
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/store/sqlite_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace bridgebot::store;

namespace {

struct TempDir : bridgebot::test::TempDir {
  TempDir() : bridgebot::test::TempDir("store_crash") {}
};

// The child: accepts from several threads forever and reports each acknowledged id, one line per
// write (shorter than PIPE_BUF, so lines never interleave). Never returns.
[[noreturn]] void accept_until_killed(const std::string& file, int ack_fd) {
  auto opened = open_sqlite_store(file);
  if (!opened.ok()) _exit(2);
  Store& store = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, ack_fd, t] {
      for (int i = 0;; ++i) {
        AcceptRequest request;
        request.source_id = "msg-" + std::to_string(t) + "-" + std::to_string(i);
        request.team_id = "T1";
        request.items = {{"recipient", "U2", "{}", "", 0}};
        auto accepted = store.accept(request);
        if (!accepted.ok()) _exit(3);
        std::string line = request.source_id + "\n";
        if (write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  _exit(5);
}

}  // namespace

TEST_CASE("Every accept acknowledged before kill -9 is in the store after reopening",
          "[store][crash]") {
  TempDir dir;
  std::string file = (dir.path / "bridge.db").string();
  {  // schema and the workspace in place before the child races
    auto store = open_sqlite_store(file);
    REQUIRE(store.ok());
    REQUIRE(bridgebot::test::record_installed(**store, "T1"));
  }

  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    accept_until_killed(file, fds[1]);
  }
  close(fds[1]);

  std::set<std::string> acknowledged;
  std::string pending;
  char buffer[4096];
  bool killed = false;
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child is gone and every ack it sent has been read
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; (end = pending.find('\n')) != std::string::npos;) {
      acknowledged.insert(pending.substr(0, end));
      pending.erase(0, end + 1);
    }
    if (!killed && acknowledged.size() >= 500) {
      REQUIRE(kill(child, SIGKILL) == 0);  // mid-way: accepts are in flight right now
      killed = true;
    }
  }
  close(fds[0]);
  int wait_status = 0;
  REQUIRE(waitpid(child, &wait_status, 0) == child);
  REQUIRE(WIFSIGNALED(wait_status));
  CHECK(WTERMSIG(wait_status) == SIGKILL);

  auto reopened = open_sqlite_store(file);
  REQUIRE(reopened.ok());
  std::size_t missing = 0;
  for (const std::string& id : acknowledged) {
    auto status = (*reopened)->source_status(SourceKind::message, id);
    REQUIRE(status.ok());
    if (!status->has_value()) ++missing;
  }
  INFO(acknowledged.size() << " acknowledged accepts checked");
  CHECK(missing == 0);
  // Each surviving message still has its item waiting for delivery (commits whose ack was not
  // written before the kill add a few more).
  auto claimed = (*reopened)->claim_due(0, 100'000, "after-crash", kAllPartitions);
  REQUIRE(claimed.ok());
  CHECK(claimed->size() >= acknowledged.size());
}
