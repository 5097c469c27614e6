// OutcomeRecorder: writes the dispatcher's finished attempts to the store in batches, so that no
// worker waits for a commit (internal to the dispatcher).
//
// Workers add() an outcome and go on to their next item. Where the store writes without blocking
// (SQLite's group commit), add() hands what is queued to Store::record_outcomes_async when no
// batch is being written (or a full batch waits), and the batch's commit settles it and hands
// over the next one: no thread waits for a commit. Elsewhere (PostgreSQL), recorder threads
// ("lanes") each take their share of everything added so far and write it with one blocking
// Store::record_outcomes call (one transaction).
//
// An outcome the store fails to record (busy, full disk, lost connection) is tried again by a
// lane with the store_retry backoff, and the lanes write everything added until the queue is
// empty again: a failing store delays the item's recipient but never strands them.
// "conflict" / "not_found" means the item is no longer ours (a Disconnect purged it, or another
// process took its partition over and re-queued it): it is dropped. Once stopping, a failed write
// is not tried again: the item stays in flight until its partition is taken over (at least once).
//
// Every outcome added is handed to `settled` exactly once, from the thread that wrote it (the
// store's writer thread for a batch written without blocking: `settled` must be short), with
// the others of its batch: among `recorded` when it landed, among `dropped` when it is no longer
// ours or was given up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/slack/backoff.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct PendingOutcome {
  enum class Kind {
    finished,   // a final status: delivered, failed, undeliverable, ignored
    retry,      // back to the queue for a later attempt
    hand_back,  // claimed but never started (stopping): back as it was
  };
  Kind kind = Kind::finished;
  store::OutboxItem item;  // without its payload
  store::Outcome outcome;
  std::string error;  // retry: what the attempt ended with, for the log
};

class OutcomeRecorder {
 public:
  using Settled = std::function<void(const std::vector<PendingOutcome>& recorded,
                                     const std::vector<PendingOutcome>& dropped)>;
  using Jitter = std::function<double()>;  // uniform in [0, 1)

  // `claimed_by`: the lease owner id the items were claimed under (the store's fence).
  OutcomeRecorder(store::Store& store, std::string claimed_by, slack::BackoffPolicy retry,
                  Jitter jitter, Settled settled);
  ~OutcomeRecorder();
  OutcomeRecorder(const OutcomeRecorder&) = delete;
  OutcomeRecorder& operator=(const OutcomeRecorder&) = delete;

  // Starts `lanes` recorder threads.
  void start(int lanes);
  // Queues one outcome; never blocks on I/O.
  void add(PendingOutcome outcome);
  // Records everything queued on the calling thread, trying again what the store fails until it
  // lands or is given up (see the header comment). For Dispatcher::run_once.
  void flush();
  // Records what is queued (one last try each), then joins the lanes. Idempotent.
  void stop();

 private:
  // Takes shares of the queue (and the batches whose write without blocking failed) and records
  // them until the queue is empty and nothing of the lane's own waits for a retry (until_empty),
  // or until stopped.
  void lane(bool until_empty);
  // One record_outcomes call; hands the outcomes that settled to settled_ and returns the ones
  // to try again (none when `last_try`), with the first one's error in `failure`.
  std::vector<PendingOutcome> record(std::vector<PendingOutcome> batch, bool last_try,
                                     Error& failure);
  // Hands the outcomes of `batch` that settled to settled_; returns the ones to try again.
  std::vector<PendingOutcome> settle(std::vector<PendingOutcome> batch,
                                     const std::vector<Status>& written, bool last_try,
                                     Error& failure);
  // The wait before trying `mine` again after `failed_rounds` failures (logged now and then).
  std::chrono::milliseconds back_off(const std::vector<PendingOutcome>& mine, const Error& failure,
                                     int& failed_rounds);
  // Writes without blocking: record_outcomes_async, answered in written().
  void submit(std::vector<PendingOutcome> batch);
  void written(std::vector<PendingOutcome> batch, const std::vector<Status>& results);
  // Whether add() submits: a store that writes without blocking, not failing, not stopping.
  bool submits_locked() const { return async_ && !degraded_ && !stopping_; }
  std::vector<PendingOutcome> take_locked(std::size_t count);
  std::size_t share_locked() const;

  store::Store& store_;
  const std::string claimed_by_;
  const slack::BackoffPolicy retry_;
  Jitter jitter_;
  Settled settled_;

  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_;
  std::deque<PendingOutcome> queue_;
  bool stopping_ = false;
  std::vector<std::thread> lanes_;
  const bool async_;                    // the store writes without blocking
  int submitted_ = 0;                   // batches submitted and not yet answered
  std::condition_variable answered_;    // submitted_ fell to 0
  std::vector<PendingOutcome> failed_;  // submitted, failed: for a lane, after the backoff
  Error failure_;                       // why the first of failed_ failed
  bool degraded_ = false;               // something failed: lanes record until the queue is empty
};

}  // namespace bridgebot::bridge
