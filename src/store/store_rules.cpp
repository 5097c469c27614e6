#include "store_rules.h"

#include <cstring>
#include <sstream>
#include <string>

#include "bridgebot/core/crypto.h"

namespace bridgebot::store {
namespace {

int severity(ItemStatus status) {
  switch (status) {
    case ItemStatus::failed:
      return 4;
    case ItemStatus::undeliverable:
      return 3;
    case ItemStatus::delivered:
      return 2;
    default:
      return 1;
  }
}

}  // namespace

Status validate_accept(const AcceptRequest& request) {
  if (request.source_id.empty()) {
    return make_error("invalid_argument", "accept needs a source id");
  }
  if (!request.items.empty() && request.status != ItemStatus::queued) {
    return make_error("invalid_argument", "a source with outbox items must be accepted as queued");
  }
  if (request.items.empty() && !is_final(request.status)) {
    return make_error("invalid_argument",
                      "a source without outbox items must be accepted with a final status");
  }
  return Status::success();
}

void summarise_items(SourceStatus& status,
                     const std::vector<std::pair<ItemStatus, std::string>>& items) {
  bool unfinished = false;
  int worst = 0;
  for (const auto& [item_status, reason] : items) {
    if (!is_final(item_status)) {
      unfinished = true;
    } else if (severity(item_status) > worst) {
      worst = severity(item_status);
      status.status = item_status;
      status.reason = reason;
    }
  }
  if (!items.empty() && unfinished) {
    status.status = ItemStatus::queued;
    status.reason.clear();
  }
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string joined;
  for (const std::string& scope : scopes) joined += (joined.empty() ? "" : " ") + scope;
  return joined;
}

std::vector<std::string> split_scopes(const std::string& joined) {
  std::vector<std::string> scopes;
  std::istringstream words(joined);
  for (std::string scope; words >> scope;) scopes.push_back(scope);
  return scopes;
}

Error team_not_installed(std::string_view team_id) {
  return make_error("conflict",
                    "workspace " + std::string(team_id) +
                        " is not installed (or was disconnected): nothing is kept for it");
}

std::int64_t new_generation() {
  const std::string bytes = core::random_bytes(sizeof(std::uint64_t));
  std::uint64_t value = 0;
  std::memcpy(&value, bytes.data(), sizeof value);
  // Positive, so it reads as itself in a SQL shell; never 0, the value rows migrated in hold.
  return static_cast<std::int64_t>(value >> 1) | 1;
}

}  // namespace bridgebot::store
