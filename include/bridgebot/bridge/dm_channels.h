// The DM conversation conversations.open returned for each (workspace, Slack user), remembered so
// that a repeat recipient costs one chat.postMessage instead of a Tier 3 conversations.open first
// (Slack answers the same conversation every time, so only a deleted or archived one goes stale).
// Bounded: when full, the least recently used entry makes room. Thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bridgebot::bridge {

class DmChannels {
 public:
  explicit DmChannels(std::size_t capacity = 50'000);

  std::optional<std::string> find(std::string_view team_id, std::string_view user_id);
  void remember(std::string_view team_id, std::string_view user_id, std::string channel_id);
  // After Slack said the conversation is gone (channel_not_found, is_archived).
  void forget(std::string_view team_id, std::string_view user_id);
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::string channel_id;
  };
  static std::string key_of(std::string_view team_id, std::string_view user_id);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> recent_;  // most recently used first; guarded by mutex_
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // guarded by mutex_
};

}  // namespace bridgebot::bridge
