// The decrypted installations a process delivers for, each kept with the generation of the row
// it was read from (store::Installation::generation). A copy is handed out only to a caller that
// has just read the row's stamp and names the same generation: any change of the row (a refreshed
// or re-sealed token, an edit, a Disconnect), made by this process or another sharing the store,
// gives the row a new generation and so misses the copy. That saves the delivery the whole row and
// the token decryption per item, not the read of the stamp.
//
// Bounded: one entry per workspace, dropped when its installation is found gone, and at most
// `capacity` entries (beyond that an arbitrary one makes room: it is only read again).
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "bridgebot/bridge/installations.h"

namespace bridgebot::bridge {

class InstallationCache {
 public:
  explicit InstallationCache(std::size_t capacity = 10'000) : capacity_(capacity) {}

  // The copy of `team_id` read at `generation`, if that is the one held (else null). Shared, not
  // copied: a delivery reads it without copying its token and scopes.
  std::shared_ptr<const ActiveInstallation> find(std::string_view team_id,
                                                 std::int64_t generation) const;
  // Keeps `installation` as read from the row at `generation`, replacing what the team had.
  void keep(std::shared_ptr<const ActiveInstallation> installation, std::int64_t generation);
  // Drops the team's copy (its installation is gone or revoked).
  void forget(std::string_view team_id);
  std::size_t size() const;

 private:
  struct Entry {
    std::int64_t generation = 0;
    std::shared_ptr<const ActiveInstallation> installation;
  };
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;  // guarded by mutex_
};

}  // namespace bridgebot::bridge
