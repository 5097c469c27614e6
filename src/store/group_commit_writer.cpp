#include "group_commit_writer.h"

#include <algorithm>
#include <utility>

#include "bridgebot/core/hand_over_batch.h"
#include "bridgebot/core/thread_name.h"

namespace bridgebot::store::sqlite {
namespace {

Status run_cached(Connection& connection, std::string_view sql) {
  auto ran = connection.exec(sql);
  return ran ? Status::success() : Status(ran.error());
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> connection, int max_group_size,
                                     Linger linger)
    : connection_(std::move(connection)),
      max_group_size_(static_cast<std::size_t>(max_group_size > 0 ? max_group_size : 1)),
      linger_(linger),
      thread_([this] {
        core::name_this_thread("store-writer");
        run();
      }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_one();
  thread_.join();
}

void GroupCommitWriter::submit(Operation operation, Sync sync, Done done) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(operation), sync, std::move(done), Status::success()});
    // Only what ends a wait: the first queued operation, or a full group ending a linger (a
    // wake-up per operation while lingering would cost what lingering saves).
    wake = queue_.size() == 1 || queue_.size() == max_group_size_;
  }
  if (wake) work_ready_.notify_one();
}

Status GroupCommitWriter::write(const Operation& operation, Sync sync) {
  struct Waiter {
    Status result;
    bool done = false;
  } waiter;
  // Both closures fit in std::function's own storage: a blocking write allocates nothing more.
  submit([&operation](sql::Session& session) { return operation(session); }, sync,
         [this, &waiter](Status result) {
           std::lock_guard lock(mutex_);
           waiter.result = std::move(result);
           waiter.done = true;
         });
  std::unique_lock lock(mutex_);
  group_done_.wait(lock, [&] { return waiter.done; });
  return std::move(waiter.result);
}

void GroupCommitWriter::take_group(std::vector<Pending>& group, std::size_t previous_group) {
  std::unique_lock lock(mutex_);
  work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  if (lingers_after(previous_group, linger_)) {
    work_ready_.wait_for(lock, linger_.wait,
                         [&] { return stopping_ || queue_.size() >= max_group_size_; });
  }
  while (!queue_.empty() && group.size() < max_group_size_) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void GroupCommitWriter::run() {
  std::vector<Pending> group;
  std::size_t previous_group = 0;
  for (;;) {
    take_group(group, previous_group);
    if (group.empty()) return;  // stopping, and nothing left to write
    previous_group = group.size();
    commit_group(group);
    {
      // The group's answers to HTTP clients go to each I/O thread at once, not one by one.
      core::HandOverBatch answers;
      for (Pending& pending : group) pending.done(std::move(pending.result));
    }
    group_done_.notify_all();  // the callers blocked in write()
    group.clear();
  }
}

bool GroupCommitWriter::run_in_savepoint(Pending& pending, Status& broken) {
  if (Status s = run_cached(*connection_, "SAVEPOINT operation"); !s.ok()) {
    broken = std::move(s);
    return false;
  }
  pending.result = pending.operation(*connection_);
  if (!pending.result.ok()) {
    if (Status s = run_cached(*connection_, "ROLLBACK TO operation"); !s.ok()) {
      broken = std::move(s);
      return false;
    }
  }
  if (Status s = run_cached(*connection_, "RELEASE operation"); !s.ok()) {
    broken = std::move(s);
    return false;
  }
  return true;
}

Status GroupCommitWriter::use_sync(Sync sync) {
  if (sync == connection_sync_) return Status::success();
  Status set = run_cached(*connection_, sync == Sync::full ? "PRAGMA synchronous = FULL"
                                                           : "PRAGMA synchronous = NORMAL");
  if (set.ok()) connection_sync_ = sync;
  return set;
}

Status GroupCommitWriter::run_group(std::vector<Pending>& group, bool isolated, bool& failed) {
  failed = false;
  if (Status begun = run_cached(*connection_, "BEGIN IMMEDIATE"); !begun.ok()) return begun;
  for (Pending& pending : group) {
    if (isolated) {
      Status broken;
      if (!run_in_savepoint(pending, broken)) return broken;
      continue;
    }
    pending.result = pending.operation(*connection_);
    if (!pending.result.ok()) {
      failed = true;  // what it wrote cannot be undone alone: the caller starts over
      return Status::success();
    }
  }
  return Status::success();
}

void GroupCommitWriter::commit_group(std::vector<Pending>& group) {
  operations_ += group.size();
  const bool any_full = std::any_of(group.begin(), group.end(), [](const Pending& pending) {
    return pending.sync == Sync::full;
  });
  Status broken = use_sync(any_full ? Sync::full : Sync::deferred);
  // First without savepoints: with one per operation SQLite copies every page an operation
  // changes that the group changed before into its statement journal. Operations rarely fail;
  // when one does, the group runs again with each operation in its own savepoint, so that the
  // failing one is undone alone (operations may run more than once: sql::Database::write).
  bool failed = false;
  if (broken.ok()) broken = run_group(group, false, failed);
  if (broken.ok() && failed) {
    (void)connection_->exec_script("ROLLBACK");
    broken = run_group(group, true, failed);
  }
  if (broken.ok()) broken = run_cached(*connection_, "COMMIT");
  if (broken.ok()) {
    ++transactions_;
    return;
  }
  // Nothing of this group is stored: every caller learns why, including those whose own
  // operation succeeded. The rollback fails harmlessly when SQLite already rolled back.
  (void)connection_->exec_script("ROLLBACK");
  for (Pending& pending : group) pending.result = broken;
}

}  // namespace bridgebot::store::sqlite
