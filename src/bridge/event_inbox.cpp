#include "bridgebot/bridge/event_inbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <random>

#include "bridgebot/core/json.h"
#include "bridgebot/core/thread_name.h"

namespace bridgebot::bridge {
namespace {

constexpr int kClaimBatch = 16;
constexpr int kPruneBatch = 1000;

EventInboxOptions with_defaults(EventInboxOptions options) {
  if (options.lease_owner.empty()) {
    options.lease_owner = make_lease_owner(this_process());
  }
  if (!options.jitter) {
    options.jitter = [engine = std::make_shared<std::mt19937_64>(std::random_device{}())] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
  }
  return options;
}

LeaseScope events_scope() {
  return {kEventsLeaseName, "events", [](store::Store& store) { return store.recover_events(); }};
}

// Whole seconds (the store's resolution), rounded up.
std::int64_t ceil_seconds(std::chrono::milliseconds delay) {
  return std::max<std::int64_t>(1, (delay.count() + 999) / 1000);
}

}  // namespace

EventInbox::EventInbox(store::Store& store, EventHandler& handler, const core::Clock& clock,
                       EventInboxOptions options)
    : store_(store),
      handler_(handler),
      clock_(clock),
      options_(with_defaults(std::move(options))),
      lease_(store, clock, options_.lease_owner, options_.lease_ttl, events_scope()) {}

EventInbox::~EventInbox() {
  stop();
}

void EventInbox::start() {
  worker_ = std::thread([this] {
    core::name_this_thread("event-inbox");
    work();
  });
}

void EventInbox::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Result<bool> EventInbox::record(const IncomingEvent& event) {
  store::InboxEvent row;
  row.event_id = event.event_id;
  row.team_id = event.team_id;
  row.event_type = event.event_type;
  row.payload_json = event.event_json;
  row.received_at = clock_.unix_seconds();
  auto recorded = store_.record_event(row);
  if (!recorded.ok()) return recorded.error();
  if (!*recorded) {
    duplicates_++;
    return false;
  }
  recorded_++;
  {
    std::lock_guard lock(mutex_);
    work_arrived_ = true;
  }
  wake_.notify_one();
  return true;
}

EventInboxMetrics EventInbox::metrics() const {
  return {recorded_.load(), duplicates_.load(), handled_.load(), retried_.load(), given_up_.load()};
}

void EventInbox::work() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (!lease_.held()) {
      wait_for_work();
      continue;
    }
    if (clock_.now() >= next_prune_) {
      next_prune_ = clock_.now() + options_.prune_interval;
      const auto cutoff =
          clock_.unix_seconds() -
          std::chrono::duration_cast<std::chrono::seconds>(options_.retention).count();
      for (;;) {
        auto pruned = store_.prune_events(cutoff, kPruneBatch);
        if (!pruned.ok()) spdlog::warn("events: pruning the inbox: {}", pruned.error().to_string());
        if (!pruned.ok() || *pruned < kPruneBatch) break;
      }
    }
    if (handle_batch() == 0) wait_for_work();
  }
  lease_.release();
}

void EventInbox::wait_for_work() {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || work_arrived_; });
  work_arrived_ = false;
}

int EventInbox::handle_batch() {
  auto claimed = store_.claim_events(clock_.unix_seconds(), kClaimBatch);
  if (!claimed.ok()) {
    spdlog::warn("events: cannot read the inbox: {}", claimed.error().to_string());
    return 0;
  }
  for (std::size_t i = 0; i < claimed->size(); ++i) {
    bool stopping;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    const store::InboxEvent& event = (*claimed)[i];
    if (!stopping) {
      handle(event);
      continue;
    }
    // Not started: back to pending, so that the next holder of the lease handles it at once.
    if (auto back = store_.retry_event(event.inbox_id, clock_.unix_seconds(), event.reason);
        !back.ok()) {
      spdlog::warn("events: event {} stays in flight until the next start: {}", event.event_id,
                   back.error().to_string());
    }
  }
  return static_cast<int>(claimed->size());
}

void EventInbox::handle(const store::InboxEvent& event) {
  Status handled = [&]() -> Status {
    auto parsed = core::parse_json(event.payload_json);
    if (!parsed.ok() || !parsed->IsObject()) {
      return make_error("invalid_event", "the recorded event is not a JSON object");
    }
    return handler_.handle_event(event.team_id, *parsed);
  }();

  std::string reason;
  if (!handled.ok()) {
    const Error& error = handled.error();
    if (error.transient && event.attempts < options_.max_attempts) {
      auto delay = slack::backoff_delay(options_.backoff, event.attempts - 1, options_.jitter());
      if (error.retry_after) delay = std::max(delay, *error.retry_after);
      spdlog::info("events: {} ({}) of {} failed ({}); trying again in {} s", event.event_id,
                   event.event_type, event.team_id, error.to_string(), ceil_seconds(delay));
      auto retried = store_.retry_event(event.inbox_id, clock_.unix_seconds() + ceil_seconds(delay),
                                        error.code);
      if (!retried.ok()) {
        spdlog::warn("events: cannot schedule {} again: {}", event.event_id,
                     retried.error().to_string());
      }
      retried_++;
      return;
    }
    spdlog::warn("events: {} ({}) of {} failed after {} attempt(s): {}", event.event_id,
                 event.event_type, event.team_id, event.attempts, error.to_string());
    reason = error.code;
    given_up_++;
  }
  if (auto finished = store_.finish_event(event.inbox_id, reason); !finished.ok()) {
    if (finished.error().code == "conflict") {
      // Gone: the event (app_uninstalled, say) purged its workspace's rows, itself included.
      spdlog::debug("events: {} was purged with its workspace", event.event_id);
    } else {
      // It stays in flight and is handled again after the next take-over: at least once.
      spdlog::warn("events: cannot mark {} done: {}", event.event_id, finished.error().to_string());
    }
  }
  handled_++;
}

}  // namespace bridgebot::bridge
