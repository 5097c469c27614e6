// The links (and the absence of one) that a process's deliveries read lately, in memory, each held
// under the generation its workspace's installation had when the delivery read its stamp, before
// reading the link.
//
// Every write of a link (put_link, delete_link, the Disconnect purge) gives the installation a new
// generation in the same transaction, whichever process or replica makes it (store/types.h). So an
// entry is exactly as current as the store while the stamp a delivery has just read still names
// its generation: a link, relink, unlink or Disconnect anywhere takes effect for the very next
// delivery, the memo warm or not, with no time window.
//
// Bounded: at most `capacity` entries (when full it starts over: entries are only read again).
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

class LinkMemo {
 public:
  explicit LinkMemo(std::size_t capacity = 20'000) : capacity_(capacity) {}

  // The link of (team_id, platform_user_id) as read under installation `generation`: a link, or
  // none; nullopt when not held under that generation. Generation 0 (unknown) finds nothing.
  std::optional<std::optional<store::Link>> find(std::string_view team_id,
                                                 std::string_view platform_user_id,
                                                 std::int64_t generation) const;
  // Keeps what the store answered for (team_id, platform_user_id), read after the installation's
  // stamp said `generation`.
  void keep(std::string_view team_id, std::string_view platform_user_id, std::int64_t generation,
            const std::optional<store::Link>& link);
  std::size_t size() const;

 private:
  struct Held {
    std::int64_t generation = 0;
    std::optional<store::Link> link;
  };
  static std::string key(std::string_view team_id, std::string_view platform_user_id);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Held> entries_;  // guarded by mutex_
};

}  // namespace bridgebot::bridge
