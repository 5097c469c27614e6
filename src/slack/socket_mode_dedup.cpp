#include "bridgebot/slack/socket_mode_dedup.h"

namespace bridgebot::slack {

EventDeduplicator::EventDeduplicator(std::size_t capacity, core::Clock::Duration max_age)
    : capacity_(capacity == 0 ? 1 : capacity), max_age_(max_age) {}

bool EventDeduplicator::first_sighting(const std::string& key, core::Clock::TimePoint now) {
  forget_expired(now);
  if (index_.count(key) != 0) return false;
  by_age_.emplace_back(key, now);
  index_.emplace(key, std::prev(by_age_.end()));
  if (index_.size() > capacity_) {
    index_.erase(by_age_.front().first);
    by_age_.pop_front();
  }
  return true;
}

void EventDeduplicator::forget_expired(core::Clock::TimePoint now) {
  while (!by_age_.empty() && now - by_age_.front().second >= max_age_) {
    index_.erase(by_age_.front().first);
    by_age_.pop_front();
  }
}

}  // namespace bridgebot::slack
