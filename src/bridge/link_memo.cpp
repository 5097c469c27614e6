#include "bridgebot/bridge/link_memo.h"

namespace bridgebot::bridge {

std::string LinkMemo::key(std::string_view team_id, std::string_view platform_user_id) {
  // The team id's length first: no two pairs share a key, whatever bytes the ids hold.
  std::string joined = std::to_string(team_id.size());
  joined.push_back(':');
  joined.append(team_id).append(platform_user_id);
  return joined;
}

std::optional<std::optional<store::Link>> LinkMemo::find(std::string_view team_id,
                                                         std::string_view platform_user_id,
                                                         std::int64_t generation) const {
  if (generation == 0) return std::nullopt;
  const std::string wanted = key(team_id, platform_user_id);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(wanted);
  if (it == entries_.end() || it->second.generation != generation) return std::nullopt;
  return it->second.link;
}

void LinkMemo::keep(std::string_view team_id, std::string_view platform_user_id,
                    std::int64_t generation, const std::optional<store::Link>& link) {
  if (generation == 0 || capacity_ == 0) return;
  std::string held_key = key(team_id, platform_user_id);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(held_key);
  if (it != entries_.end()) {
    it->second = Held{generation, link};
    return;
  }
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.emplace(std::move(held_key), Held{generation, link});
}

std::size_t LinkMemo::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace bridgebot::bridge
