// OutcomeRecorder: writes the dispatcher's finished attempts to the store in batches, so that no
// worker waits for a commit (internal to the dispatcher).
//
// Workers add() an outcome and go on to their next item. Recorder threads ("lanes") each take
// their share of everything added so far and write it with one Store::record_outcomes call (one
// transaction; the store's group commit folds the lanes' transactions into one fsync).
//
// An outcome the store fails to record (busy, full disk, lost connection) is tried again with the
// store_retry backoff: a failing store delays the item's recipient but never strands them.
// "conflict" / "not_found" means the item is no longer ours (a Disconnect purged it, or another
// process took its partition over and re-queued it): it is dropped. Once stopping, a failed write
// is not tried again: the item stays in flight until its partition is taken over (at least once).
//
// Every outcome added is handed to `settled` exactly once, from the thread that wrote it, with
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
  // Takes shares of the queue and records them until the queue is empty and nothing of the
  // lane's own waits for a retry (until_empty), or until stopped.
  void lane(bool until_empty);
  // One record_outcomes call; hands the outcomes that settled to settled_ and returns the ones
  // to try again (none when `last_try`), with the first one's error in `failure`.
  std::vector<PendingOutcome> record(std::vector<PendingOutcome> batch, bool last_try,
                                     Error& failure);
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
};

}  // namespace bridgebot::bridge
