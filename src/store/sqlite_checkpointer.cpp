#include "sqlite_checkpointer.h"

#include <utility>

#include "bridgebot/core/thread_name.h"

namespace bridgebot::store::sqlite {

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, int pages)
    : connection_(std::move(connection)), pages_(pages > 0 ? pages : 1), thread_([this] {
        core::name_this_thread("store-checkpt");
        run();
      }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Checkpointer::attach(Connection& writer) {
  writer.set_wal_hook(&Checkpointer::on_commit, this);
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto& checkpointer = *static_cast<Checkpointer*>(self);
  if (wal_pages < checkpointer.pages_) return SQLITE_OK;
  if (wal_pages >= kInlineFactor * checkpointer.pages_) {
    // What SQLite's own hook does, after the thread's checkpoint if one runs: that one copies
    // only what the WAL held when it started, and the WAL starts over only once all of it is
    // copied. A failure is retried at the next commit; the commit itself stands.
    std::lock_guard one_at_a_time(checkpointer.checkpoint_mutex_);
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    ++checkpointer.inline_checkpoints_;
    return SQLITE_OK;
  }
  // Only the commit that finds no request pending wakes the thread.
  if (!checkpointer.requested_.exchange(true)) {
    { std::lock_guard lock(checkpointer.mutex_); }  // the thread is waiting, or sees the flag
    checkpointer.wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || requested_.load(); });
      if (stopping_) return;
    }
    // Cleared first: a commit after this point asks again if the WAL is still long.
    requested_ = false;
    // A failure (SQLITE_BUSY while the writer checkpoints inline, an I/O error) leaves the WAL
    // as it is: the next long commit asks again, and the writer's bound still holds.
    std::lock_guard one_at_a_time(checkpoint_mutex_);
    if (connection_->checkpoint().ok()) ++checkpoints_;
  }
}

}  // namespace bridgebot::store::sqlite
