// The directory entries (email -> Slack user) a process's deliveries looked up lately, in memory
// in front of the store's directory cache, so that a burst to the same recipients reads the store
// once per recipient instead of once per message.
//
// An entry is served only when all of these hold:
// - the store row it copies is still fresh by the store's own rule (fresh_answer: positive_ttl /
//   negative_ttl from when Slack answered);
// - the workspace's installation still has the generation it had when the entry was kept: any
//   write of the installation row (a Disconnect purging the workspace, by this process or any
//   other sharing the store, a reinstall, a token rotation) drops every entry of the workspace;
// - it was kept less than `hold` ago. This process's own directory writes (a lookup's answer,
//   sweeps, user_change / team_join events: every Directory of the process shares one memo) replace
//   or drop entries at once; a write by another process sharing the store (a replica that handled
//   a user_change event, a sweep there) is seen here within `hold`. Slack's events reach us seconds
//   late at best and the store row itself stands for up to a day without one, so a few more
//   seconds before another replica's event takes effect here changes what a user can notice by
//   nothing they could tell from Slack's own delay.
//
// Bounded: at most `capacity` entries (when full it starts over: entries are only read again).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bridgebot/core/clock.h"
#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

class DirectoryMemo {
 public:
  explicit DirectoryMemo(const core::Clock& clock,
                         core::Clock::Duration hold = std::chrono::seconds(5),
                         std::size_t capacity = 50'000);

  // The store entry for (team_id, email) kept under installation `generation` less than `hold`
  // ago, if any (an entry found stale is dropped). `generation` 0 (unknown) finds nothing.
  std::optional<store::DirectoryEntry> find(std::string_view team_id, std::string_view email,
                                            std::int64_t generation);
  // Changes with every forget: a caller notes it before reading the store or asking Slack and
  // hands it to keep(), which then keeps nothing if an entry was dropped since (the answer may
  // be older than the write that dropped it).
  std::uint64_t epoch() const;
  // Keeps `entry` (as just read from or written to the store) under installation `generation`.
  void keep(const store::DirectoryEntry& entry, std::int64_t generation, std::uint64_t epoch);
  // Drops the (team_id, email) entry; every entry of the workspace.
  void forget(std::string_view team_id, std::string_view email);
  void forget_team(std::string_view team_id);
  std::size_t size() const;

 private:
  struct Held {
    store::DirectoryEntry entry;
    std::int64_t generation = 0;
    core::Clock::TimePoint kept_at;
  };
  static std::string key(std::string_view team_id, std::string_view email);

  const core::Clock& clock_;
  const core::Clock::Duration hold_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Held> entries_;  // guarded by mutex_
  std::uint64_t epoch_ = 0;                        // guarded by mutex_
};

}  // namespace bridgebot::bridge
