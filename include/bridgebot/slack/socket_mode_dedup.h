// Remembers which Socket Mode deliveries were already handled, in bounded memory: at most
// `capacity` keys, none older than `max_age`. Slack retries an event up to 3 times within
// minutes, so an hour and ten thousand ids are far more than enough.
//
// Not thread-safe: owned by the one dispatcher thread.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

#include "bridgebot/core/clock.h"

namespace bridgebot::slack {

class EventDeduplicator {
 public:
  EventDeduplicator(std::size_t capacity, core::Clock::Duration max_age);

  // True the first time `key` is seen (and remembers it); false for a repeat still remembered.
  bool first_sighting(const std::string& key, core::Clock::TimePoint now);
  std::size_t size() const { return index_.size(); }

 private:
  void forget_expired(core::Clock::TimePoint now);

  using Entry = std::pair<std::string, core::Clock::TimePoint>;
  std::size_t capacity_;
  core::Clock::Duration max_age_;
  std::list<Entry> by_age_;  // oldest first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace bridgebot::slack
