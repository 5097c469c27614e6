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

}  // namespace

OutcomeRecorder::OutcomeRecorder(store::Store& store, std::string claimed_by,
                                 slack::BackoffPolicy retry, Jitter jitter, Settled settled)
    : store_(store),
      claimed_by_(std::move(claimed_by)),
      retry_(retry),
      jitter_(std::move(jitter)),
      settled_(std::move(settled)) {}

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
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(outcome));
  }
  wake_.notify_one();
}

void OutcomeRecorder::flush() {
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
  lane(true);  // whatever was added after the lanes left (nothing when they ran to the end)
}

std::size_t OutcomeRecorder::share_locked() const {
  // Lanes split what is queued, so a store that records a batch item by item still has every
  // lane's writes in flight together; with no lanes (flush) the caller takes it all.
  const std::size_t lanes = std::max<std::size_t>(1, lanes_.size());
  return std::min(kMaxBatch, (queue_.size() + lanes - 1) / lanes);
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
        if (!until_empty) wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
      } else {
        wake_.wait_for(lock, delay, [this] { return stopping_; });
      }
      const std::size_t take = std::min(queue_.size(), share_locked());
      std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take),
                std::back_inserter(mine));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      last_try = stopping_;
    }
    Error failure;
    mine = record(std::move(mine), last_try, failure);
    if (mine.empty()) {
      if (failed_rounds > 0) spdlog::info("dispatcher: recorded the outcomes held back at last");
      failed_rounds = 0;
      continue;
    }
    delay = slack::backoff_delay(retry_, failed_rounds, jitter_());
    if (failed_rounds % 10 == 0) {  // the first failure, then now and then
      spdlog::error(
          "dispatcher: cannot record {} outcome(s) (item {} and later) ({}); trying again in {} ms",
          mine.size(), mine.front().item.item_id, failure.to_string(), delay.count());
    }
    ++failed_rounds;
  }
}

std::vector<PendingOutcome> OutcomeRecorder::record(std::vector<PendingOutcome> batch,
                                                    bool last_try, Error& failure) {
  std::vector<store::Outcome> outcomes;
  outcomes.reserve(batch.size());
  for (const auto& pending : batch) outcomes.push_back(pending.outcome);
  std::vector<Status> written = store_.record_outcomes(claimed_by_, outcomes);

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
