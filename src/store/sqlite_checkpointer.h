// Checkpoints of the group-commit writer's database, on a thread and connection of their own.
//
// SQLite's automatic checkpoint runs inside the commit that leaves the WAL at wal_autocheckpoint
// pages or more: on the writer thread, so every caller queued behind that commit waits while
// pages are copied into the database file and it is synced (9% of the writer's time in the
// burst bench). Attached to the writer's connection, the Checkpointer replaces it: such a commit
// only wakes the checkpoint thread, which runs a PASSIVE checkpoint on its own connection
// (blocking neither the writer nor the readers). After a checkpoint has copied the whole WAL, the
// writer's next commit starts the WAL over from its beginning, so it stays about `pages` long.
//
// Bounded: should the thread fall behind (starved of CPU, or readers holding old snapshots), the
// writer checkpoints itself, as SQLite would, once the WAL reaches kInlineFactor times `pages`
// (after the thread's checkpoint, if one is running).
// Durability is the commit's (synchronous=FULL syncs the WAL before a write returns): a
// checkpoint only copies pages already durable in the WAL, and one cut short by a crash is
// redone from the WAL at the next open.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "sqlite_connection.h"

namespace bridgebot::store::sqlite {

class Checkpointer {
 public:
  static constexpr int kInlineFactor = 4;

  // `connection`: a connection to the same file, used only by the checkpoint thread.
  Checkpointer(std::unique_ptr<Connection> connection, int pages);
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  // Stops the thread; the attached writer must not commit any more.
  ~Checkpointer();

  // From now on `writer`'s commits leave their checkpoints to this thread. Call before the
  // writer's thread starts using it.
  void attach(Connection& writer);

  // Checkpoints run by the thread, and by the writer itself because the WAL grew past the bound.
  std::uint64_t checkpoints() const { return checkpoints_.load(); }
  std::uint64_t inline_checkpoints() const { return inline_checkpoints_.load(); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  std::unique_ptr<Connection> connection_;
  const int pages_;

  std::mutex checkpoint_mutex_;         // held while either thread checkpoints
  std::atomic<bool> requested_{false};  // set by a commit, cleared by the thread before it runs
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_

  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> inline_checkpoints_{0};
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace bridgebot::store::sqlite
