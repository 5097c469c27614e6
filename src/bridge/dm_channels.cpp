#include "bridgebot/bridge/dm_channels.h"

#include <algorithm>

namespace bridgebot::bridge {

DmChannels::DmChannels(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::string DmChannels::key_of(std::string_view team_id, std::string_view user_id) {
  std::string key(team_id);
  key += '/';
  key += user_id;
  return key;
}

std::optional<std::string> DmChannels::find(std::string_view team_id, std::string_view user_id) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key_of(team_id, user_id));
  if (it == index_.end()) return std::nullopt;
  recent_.splice(recent_.begin(), recent_, it->second);
  return it->second->channel_id;
}

void DmChannels::remember(std::string_view team_id, std::string_view user_id,
                          std::string channel_id) {
  std::string key = key_of(team_id, user_id);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->channel_id = std::move(channel_id);
    recent_.splice(recent_.begin(), recent_, it->second);
    return;
  }
  if (recent_.size() >= capacity_) {
    index_.erase(recent_.back().key);
    recent_.pop_back();
  }
  recent_.push_front({key, std::move(channel_id)});
  index_.emplace(std::move(key), recent_.begin());
}

void DmChannels::forget(std::string_view team_id, std::string_view user_id) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key_of(team_id, user_id));
  if (it == index_.end()) return;
  recent_.erase(it->second);
  index_.erase(it);
}

std::size_t DmChannels::size() const {
  std::lock_guard lock(mutex_);
  return recent_.size();
}

}  // namespace bridgebot::bridge
