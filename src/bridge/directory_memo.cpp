#include "bridgebot/bridge/directory_memo.h"

#include <iterator>

namespace bridgebot::bridge {

DirectoryMemo::DirectoryMemo(const core::Clock& clock, core::Clock::Duration hold,
                             std::size_t capacity)
    : clock_(clock), hold_(hold), capacity_(capacity) {}

std::string DirectoryMemo::key(std::string_view team_id, std::string_view email) {
  // A team id holds no newline.
  std::string out;
  out.reserve(team_id.size() + 1 + email.size());
  out.append(team_id).push_back('\n');
  out.append(email);
  return out;
}

std::optional<store::DirectoryEntry> DirectoryMemo::find(std::string_view team_id,
                                                         std::string_view email,
                                                         std::int64_t generation) {
  if (generation == 0) return std::nullopt;
  const std::string k = key(team_id, email);
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return std::nullopt;
  const Held& held = it->second;
  if (held.generation != generation || now - held.kept_at >= hold_) {
    entries_.erase(it);  // never served again: a new installation or a new read replaces it
    return std::nullopt;
  }
  return held.entry;
}

std::uint64_t DirectoryMemo::epoch() const {
  std::lock_guard lock(mutex_);
  return epoch_;
}

void DirectoryMemo::keep(const store::DirectoryEntry& entry, std::int64_t generation,
                         std::uint64_t epoch) {
  if (generation == 0) return forget(entry.team_id, entry.email);
  std::string k = key(entry.team_id, entry.email);
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  if (epoch != epoch_) return;
  if (entries_.size() >= capacity_ && entries_.find(k) == entries_.end()) entries_.clear();
  entries_.insert_or_assign(std::move(k), Held{entry, generation, now});
}

void DirectoryMemo::forget(std::string_view team_id, std::string_view email) {
  const std::string k = key(team_id, email);
  std::lock_guard lock(mutex_);
  ++epoch_;
  entries_.erase(k);
}

void DirectoryMemo::forget_team(std::string_view team_id) {
  std::lock_guard lock(mutex_);
  ++epoch_;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const std::string_view k = it->first;
    const bool ours = k.size() > team_id.size() && k[team_id.size()] == '\n' &&
                      k.compare(0, team_id.size(), team_id) == 0;
    it = ours ? entries_.erase(it) : std::next(it);
  }
}

std::size_t DirectoryMemo::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace bridgebot::bridge
