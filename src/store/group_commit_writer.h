// Group commit for one SQLite connection, after leveldb's DBImpl::Write: callers queue their write;
// a dedicated writer thread takes everything queued, runs it in one transaction with one fsync,
// then gives each caller its own result: through the callback given to submit(), or by waking the
// caller blocked in write(). Under load, one commit serves many callers, which is what makes a
// durable accept fast with synchronous=FULL.
//
// A failing operation is rolled back alone and the rest of its group still commits: the group is
// first run without savepoints and, when an operation fails, run again with each operation in
// its own SAVEPOINT. When the COMMIT itself fails, every caller of that group gets the error and
// nothing of the group is stored.
//
// Under load the writer lets the next group grow before it starts it (Linger): a commit costs much
// the same for 20 operations as for 40 (BEGIN and COMMIT, the WAL frames of the pages every
// operation touches, such as an index's last leaf, their checksums, the fsync), and groups on a
// fast disk stay smaller unless the writer waits for them.
//
// Thread safety: write() and submit() may be called from any number of threads. The connection is
// used only by the writer thread once the writer exists.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bridgebot/core/result.h"
#include "sqlite_connection.h"

namespace bridgebot::store::sqlite {

// Whether a write's commit must reach the disk before write() returns. A group commits with
// synchronous=FULL when any of its writes asks for it, else with NORMAL: in WAL mode NORMAL
// skips the commit's fsync, and the next FULL commit's fsync covers the frames before it.
enum class Sync { full, deferred };

// After a group of at least `after_group_of` operations (load shows), the writer holds the next
// group until it is full or `wait` has passed since the writer came to it (the later of the last
// commit's end and the first operation's arrival). After a smaller group, or when stopping, the
// next group starts at once.
struct Linger {
  std::size_t after_group_of;
  std::chrono::steady_clock::duration wait;
};

// 8 and 1.5 ms: in the 40,000-message burst (~15,000 msg/s) a commit then serves ~45 accepts
// instead of ~24 (0.022 commits per message instead of 0.043), which took the bot from ~0.088 to
// ~0.081 CPU-ms per message. 1.5 ms is a small share of the 5 ms end-to-end aim, and at a steady
// 1,000 msg/s on a quiet machine groups stay under 8, so an accept there does not wait for it.
inline constexpr Linger kLinger{8, std::chrono::microseconds(1500)};

// Whether the group after one of `previous_group` operations waits to grow.
constexpr bool lingers_after(std::size_t previous_group, const Linger& linger) {
  return previous_group >= linger.after_group_of;
}

class GroupCommitWriter {
 public:
  // Runs on the writer thread inside a transaction. It may fill caller-owned results captured by
  // reference: write() does not return before the operation has run. A non-ok Status rolls back
  // what the operation wrote.
  using Operation = sql::Database::Work;
  // Called on the writer thread with the operation's result once its group committed (ok) or it
  // was rolled back (the error). It runs before the next group starts: keep it short.
  using Done = sql::Database::Done;

  GroupCommitWriter(std::unique_ptr<Connection> connection, int max_group_size,
                    Linger linger = kLinger);
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;
  // Finishes every queued write, calling its Done, then stops the thread.
  ~GroupCommitWriter();

  // Queues `operation` and returns at once; `done` gets its result. The Done calls of one group
  // come after its commit, outside the writer's lock (so a Done may submit again), in the order
  // the operations were queued.
  void submit(Operation operation, Sync sync, Done done);
  // Blocks until `operation` is committed (ok) or rolled back (the error).
  Status write(const Operation& operation, Sync sync);

  std::uint64_t operations() const { return operations_.load(); }
  std::uint64_t transactions() const { return transactions_.load(); }

 private:
  struct Pending {
    Operation operation;
    Sync sync;
    Done done;
    Status result;
  };

  void run();
  // Takes the next group from the queue once there is work, after lingering when
  // `previous_group` shows load. Empty: stopping, and nothing left to write.
  void take_group(std::vector<Pending>& group, std::size_t previous_group);
  void commit_group(std::vector<Pending>& group);
  // Opens the group's transaction and runs its operations; `isolated`: each in a savepoint.
  // Not isolated, it stops at the first failing operation and sets `failed`, leaving the
  // transaction for the caller to roll back. A non-ok Status: the transaction is broken.
  Status run_group(std::vector<Pending>& group, bool isolated, bool& failed);
  // Runs one operation within a savepoint. false: the transaction itself is broken.
  bool run_in_savepoint(Pending& pending, Status& broken);
  // Sets PRAGMA synchronous for the next group (outside any transaction) when it changes.
  Status use_sync(Sync sync);

  std::unique_ptr<Connection> connection_;
  const std::size_t max_group_size_;
  const Linger linger_;
  Sync connection_sync_ = Sync::full;  // the writer thread's: what the connection uses now

  std::mutex mutex_;
  // The writer waits: for the queue to be non-empty, or while lingering for it to hold a full
  // group; or stopping.
  std::condition_variable work_ready_;
  std::condition_variable group_done_;  // write() waits: its Done was called
  std::deque<Pending> queue_;
  bool stopping_ = false;

  std::atomic<std::uint64_t> operations_{0};
  std::atomic<std::uint64_t> transactions_{0};
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace bridgebot::store::sqlite
