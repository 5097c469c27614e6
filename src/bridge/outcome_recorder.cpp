#include "outcome_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

#include "bridgebot/core/thread_name.h"

namespace bridgebot::bridge {
namespace {

// Most outcomes in one transaction: bounds how long one commit holds the store's writer.
constexpr std::size_t kMaxBatch = 256;

const char* what(const PendingOutcome& pending) {
  switch (pending.kind) {
    case PendingOutcome::Kind::retry:
      return "the retry";
    case PendingOutcome::Kind::hand_back:
      return "the hand-back";
    default:
      return "the outcome";
  }
}

bool no_longer_ours(const Error& error) {
  return error.code == "conflict" || error.code == "not_found";
}

std::vector<store::Outcome> outcomes_of(const std::vector<PendingOutcome>& batch) {
  std::vector<store::Outcome> outcomes;
  outcomes.reserve(batch.size());
  for (const auto& pending : batch) outcomes.push_back(pending.outcome);
  return outcomes;
}

}  // namespace

OutcomeRecorder::OutcomeRecorder(store::Store& store, std::string claimed_by,
                                 slack::BackoffPolicy retry, Jitter jitter, Settled settled)
    : store_(store),
      claimed_by_(std::move(claimed_by)),
      retry_(retry),
      jitter_(std::move(jitter)),
      settled_(std::move(settled)),
      async_(store.writes_without_blocking()) {}

OutcomeRecorder::~OutcomeRecorder() {
  stop();
}

void OutcomeRecorder::start(int lanes) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < std::max(1, lanes); ++i)
    lanes_.emplace_back([this] {
      core::name_this_thread("outcome-record");
      lane(false);
    });
}

void OutcomeRecorder::add(PendingOutcome outcome) {
  std::vector<PendingOutcome> batch;
  bool wake_lane = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(outcome));
    if (!submits_locked()) {
      wake_lane = true;
    } else if (submitted_ == 0 || queue_.size() >= kMaxBatch) {
      // Else the batch being written hands this one over once it is answered.
      batch = take_locked(kMaxBatch);
      ++submitted_;
    }
  }
  if (wake_lane) wake_.notify_one();
  if (!batch.empty()) submit(std::move(batch));
}

void OutcomeRecorder::flush() {
  {
    std::unique_lock lock(mutex_);
    answered_.wait(lock, [this] { return submitted_ == 0; });
  }
  lane(true);
}

void OutcomeRecorder::stop() {
  std::vector<std::thread> lanes;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    lanes.swap(lanes_);
  }
  wake_.notify_all();
  for (auto& running : lanes) running.join();
  // Whatever was added after the lanes left (nothing when they ran to the end), and what the
  // batches still being written leave to try again.
  flush();
}

std::vector<PendingOutcome> OutcomeRecorder::take_locked(std::size_t count) {
  const std::size_t take = std::min(queue_.size(), count);
  std::vector<PendingOutcome> taken(
      std::make_move_iterator(queue_.begin()),
      std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(take)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
  return taken;
}

void OutcomeRecorder::submit(std::vector<PendingOutcome> batch) {
  std::vector<store::Outcome> outcomes = outcomes_of(batch);
  store_.record_outcomes_async(
      claimed_by_, std::move(outcomes),
      [this, batch = std::move(batch)](std::vector<Status> results) mutable {
        written(std::move(batch), results);
      });
}

void OutcomeRecorder::written(std::vector<PendingOutcome> batch,
                              const std::vector<Status>& results) {
  Error failure;
  std::vector<PendingOutcome> again = settle(std::move(batch), results, false, failure);
  std::vector<PendingOutcome> next;
  bool wake_lane = false;
  bool all_answered = false;
  {
    std::lock_guard lock(mutex_);
    if (!again.empty()) {
      // A lane tries them again after the backoff, and writes what is added meanwhile.
      if (failed_.empty()) failure_ = failure;
      std::move(again.begin(), again.end(), std::back_inserter(failed_));
      degraded_ = true;
      wake_lane = true;
    } else if (submits_locked() && !queue_.empty()) {
      next = take_locked(kMaxBatch);  // what was added while this batch was written
    }
    if (next.empty()) all_answered = --submitted_ == 0;
  }
  if (wake_lane) wake_.notify_one();
  if (all_answered) answered_.notify_all();
  if (!next.empty()) submit(std::move(next));
}

std::size_t OutcomeRecorder::share_locked() const {
  // Lanes split what is queued, so a store that records a batch item by item still has every
  // lane's writes in flight together; with no lanes (flush) the caller takes it all.
  const std::size_t lanes = std::max<std::size_t>(1, lanes_.size());
  return std::min(kMaxBatch, (queue_.size() + lanes - 1) / lanes);
}

std::chrono::milliseconds OutcomeRecorder::back_off(const std::vector<PendingOutcome>& mine,
                                                    const Error& failure, int& failed_rounds) {
  const auto delay = slack::backoff_delay(retry_, failed_rounds, jitter_());
  if (failed_rounds % 10 == 0) {  // the first failure, then now and then
    spdlog::error(
        "dispatcher: cannot record {} outcome(s) (item {} and later) ({}); trying again in {} ms",
        mine.size(), mine.front().item.item_id, failure.to_string(), delay.count());
  }
  ++failed_rounds;
  return delay;
}

void OutcomeRecorder::lane(bool until_empty) {
  std::vector<PendingOutcome> mine;  // taken from the queue; after a failed round, to try again
  int failed_rounds = 0;
  std::chrono::milliseconds delay{0};  // before trying `mine` again
  for (;;) {
    bool last_try = false;
    {
      std::unique_lock lock(mutex_);
      if (mine.empty()) {
        if (queue_.empty() && failed_.empty()) degraded_ = false;  // the store took everything
        if (!until_empty) {
          wake_.wait(lock, [this] {
            return stopping_ || !failed_.empty() || (!queue_.empty() && !submits_locked());
          });
        }
        if (!failed_.empty()) {
          mine.swap(failed_);
          delay = back_off(mine, failure_, failed_rounds);
        } else if (queue_.empty()) {
          return;
        }
      }
      if (!mine.empty()) wake_.wait_for(lock, delay, [this] { return stopping_; });
      std::vector<PendingOutcome> share = take_locked(share_locked());
      std::move(share.begin(), share.end(), std::back_inserter(mine));
      last_try = stopping_;
    }
    Error failure;
    mine = record(std::move(mine), last_try, failure);
    if (mine.empty()) {
      if (failed_rounds > 0) spdlog::info("dispatcher: recorded the outcomes held back at last");
      failed_rounds = 0;
      continue;
    }
    delay = back_off(mine, failure, failed_rounds);
  }
}

std::vector<PendingOutcome> OutcomeRecorder::record(std::vector<PendingOutcome> batch,
                                                    bool last_try, Error& failure) {
  const std::vector<Status> written = store_.record_outcomes(claimed_by_, outcomes_of(batch));
  return settle(std::move(batch), written, last_try, failure);
}

std::vector<PendingOutcome> OutcomeRecorder::settle(std::vector<PendingOutcome> batch,
                                                    const std::vector<Status>& written,
                                                    bool last_try, Error& failure) {
  std::vector<PendingOutcome> again, recorded, dropped;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    PendingOutcome& pending = batch[i];
    const Status result =
        i < written.size() ? written[i] : Status(make_error("store_error", "not recorded"));
    if (result.ok()) {
      recorded.push_back(std::move(pending));
      continue;
    }
    const Error& error = result.error();
    if (no_longer_ours(error)) {
      // Not in flight here any more: nothing of ours is left to record (for a hand-back, the
      // partition's new holder has the item already).
      if (pending.kind != PendingOutcome::Kind::hand_back) {
        spdlog::warn("dispatcher: item {} is no longer in flight here; {} was not recorded: {}",
                     pending.item.item_id, what(pending), error.to_string());
      }
      dropped.push_back(std::move(pending));
    } else if (last_try) {
      spdlog::error(
          "dispatcher: cannot record {} of item {} ({}); it stays in flight until its partition "
          "is taken over, then is delivered again",
          what(pending), pending.item.item_id, error.to_string());
      dropped.push_back(std::move(pending));
    } else {
      if (again.empty()) failure = error;
      again.push_back(std::move(pending));
    }
  }
  if (!recorded.empty() || !dropped.empty()) settled_(recorded, dropped);
  return again;
}

}  // namespace bridgebot::bridge
