#include "bridgebot/bridge/installation_cache.h"

namespace bridgebot::bridge {

std::shared_ptr<const ActiveInstallation> InstallationCache::find(std::string_view team_id,
                                                                  std::int64_t generation) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(team_id);
  if (it == entries_.end() || it->second.generation != generation) return nullptr;
  return it->second.installation;
}

void InstallationCache::keep(std::shared_ptr<const ActiveInstallation> installation,
                             std::int64_t generation) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(installation->team_id);
  if (it == entries_.end()) {
    if (capacity_ == 0) return;
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    std::string team_id = installation->team_id;
    entries_.emplace(std::move(team_id), Entry{generation, std::move(installation)});
    return;
  }
  it->second = Entry{generation, std::move(installation)};
}

void InstallationCache::forget(std::string_view team_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(team_id);
  if (it != entries_.end()) entries_.erase(it);
}

std::size_t InstallationCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace bridgebot::bridge
