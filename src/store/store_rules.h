// Rules of the Store kept out of the SQL: what a valid accept is,
// how a source's status is summarised from its items, and the errors they share.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/store/types.h"

namespace bridgebot::store {

Status validate_accept(const AcceptRequest& request);

// Sets `status.status`/`reason` from its items' (status, reason), in item order: queued while
// any is unfinished, else the worst final outcome (failed > undeliverable > delivered > ignored)
// with that item's reason. Without items the source's own record stands.
void summarise_items(SourceStatus& status,
                     const std::vector<std::pair<ItemStatus, std::string>>& items);

// The error of a write refused because `team_id` has no active installation.
Error team_not_installed(std::string_view team_id);

// A fresh installation generation (Installation::generation). Random rather than counted, so a
// row deleted and written again never repeats one a reader may still hold.
std::int64_t new_generation();

// Scopes are stored as one space-separated column.
std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(const std::string& joined);

}  // namespace bridgebot::store
