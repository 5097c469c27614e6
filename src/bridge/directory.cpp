#include "bridgebot/bridge/directory.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "bridgebot/bridge/relay_rules.h"

namespace bridgebot::bridge {
namespace {

// A Slack user should have few links (one per platform account); the bound only stops a store
// that keeps answering with the same link from looping forever.
constexpr int kMaxLinksPerSlackUser = 100;

store::DirectoryUser directory_user_of(const slack::SlackUser& user) {
  return {user.id, user.display_name.empty() ? user.real_name : user.display_name, user.image_url};
}

}  // namespace

bool is_matchable(const slack::SlackUser& user) {
  return !user.id.empty() && !user.deleted && !user.is_bot && !user.is_app_user &&
         !user.is_slackbot();
}

Directory::Directory(store::Store& store, slack::SlackApi& slack,
                     InstallationDirectory& installations, const core::Clock& clock,
                     DirectoryOptions options)
    : store_(store),
      slack_(slack),
      installations_(installations),
      clock_(clock),
      options_(options) {}

Result<std::optional<store::DirectoryUser>> Directory::find_by_email(std::string_view team_id,
                                                                     std::string_view email) {
  const std::string normalized = normalize_email(email);
  if (normalized.empty()) return std::optional<store::DirectoryUser>{};
  const store::UnixSeconds now = clock_.unix_seconds();

  auto cached = store_.lookup_directory(team_id, normalized);
  if (!cached.ok()) return cached.error();
  if (cached->has_value()) {
    const store::DirectoryEntry& entry = **cached;
    const auto ttl = entry.user ? options_.positive_ttl : options_.negative_ttl;
    if (now - entry.fetched_at < ttl.count()) return entry.user;
  }

  auto installation = installations_.active(team_id);
  if (!installation.ok()) return installation.error();
  auto found =
      slack_.users_lookup_by_email({std::string(team_id), installation->bot_token}, normalized);
  store::DirectoryEntry entry{std::string(team_id), normalized, std::nullopt, now};
  if (found.ok()) {
    if (is_matchable(*found)) entry.user = directory_user_of(*found);
  } else if (found.error().code != "users_not_found") {
    return found.error();
  }
  if (auto stored = store_.upsert_directory({entry}); !stored.ok()) {
    // The answer is still right; only the next lookup will ask Slack again.
    spdlog::warn("directory: could not cache a lookup for team {}: {}", team_id,
                 stored.error().to_string());
  }
  return entry.user;
}

Result<std::optional<SlackIdentity>> Directory::resolve(std::string_view team_id,
                                                        std::string_view platform_user_id,
                                                        std::string_view email) {
  auto link = store_.get_link(team_id, platform_user_id);
  if (!link.ok()) return link.error();
  if (link->has_value()) {
    return std::optional<SlackIdentity>{SlackIdentity{(*link)->slack_user_id, std::move(*link)}};
  }
  auto user = find_by_email(team_id, email);
  if (!user.ok()) return user.error();
  if (!user->has_value()) return std::optional<SlackIdentity>{};
  return std::optional<SlackIdentity>{SlackIdentity{(*user)->slack_user_id, std::nullopt}};
}

Result<std::int64_t> Directory::sweep(std::string_view team_id) {
  auto installation = installations_.active(team_id);
  if (!installation.ok()) return installation.error();
  auto users = slack::users_list_all(slack_, {std::string(team_id), installation->bot_token},
                                     options_.sweep_page_size);
  if (!users.ok()) return users.error();

  const store::UnixSeconds now = clock_.unix_seconds();
  const auto page_size = static_cast<std::size_t>(std::max(1, options_.sweep_page_size));
  std::vector<store::DirectoryEntry> page;
  std::int64_t cached = 0;
  for (const auto& user : *users) {
    if (!is_matchable(user)) {
      // Only deactivated people can hold links or entries; bots and Slackbot never got any.
      if (user.deleted) {
        if (auto forgotten = forget_user(team_id, user.id); !forgotten.ok())
          return forgotten.error();
      }
      continue;
    }
    const std::string email = normalize_email(user.email);
    if (email.empty()) continue;  // no users:read.email: nothing to match on
    page.push_back({std::string(team_id), email, directory_user_of(user), now});
    if (page.size() == page_size) {
      if (auto stored = store_.upsert_directory(page); !stored.ok()) return stored.error();
      cached += static_cast<std::int64_t>(page.size());
      page.clear();
    }
  }
  if (!page.empty()) {
    if (auto stored = store_.upsert_directory(page); !stored.ok()) return stored.error();
    cached += static_cast<std::int64_t>(page.size());
  }
  spdlog::info("directory: swept team {}: {} users cached of {} listed", team_id, cached,
               users->size());
  return cached;
}

Status Directory::on_user_change(std::string_view team_id, const slack::SlackUser& user) {
  if (!is_matchable(user)) return forget_user(team_id, user.id);

  const std::string email = normalize_email(user.email);
  // Without users:read.email the event carries no email: nothing to re-check links against.
  if (email.empty()) return Status::success();
  for (int i = 0; i < kMaxLinksPerSlackUser; ++i) {
    auto link = store_.find_link_by_slack_user(team_id, user.id);
    if (!link.ok()) return link.error();
    if (!link->has_value() || normalize_email((*link)->email) == email) break;
    spdlog::info("directory: Slack user {} of team {} changed email: unlinking platform user {}",
                 user.id, team_id, (*link)->platform_user_id);
    auto deleted = store_.delete_link(team_id, (*link)->platform_user_id);
    if (!deleted.ok()) return deleted.error();
  }
  // The old email's entry must stop matching before the new one is cached.
  auto forgotten = store_.forget_directory_user(team_id, user.id);
  if (!forgotten.ok()) return forgotten.error();
  return cache_user(team_id, user);
}

Status Directory::on_team_join(std::string_view team_id, const slack::SlackUser& user) {
  if (!is_matchable(user)) return Status::success();
  return cache_user(team_id, user);
}

Status Directory::forget_user(std::string_view team_id, const std::string& slack_user_id) {
  auto forgotten = store_.forget_directory_user(team_id, slack_user_id);
  if (!forgotten.ok()) return forgotten.error();
  for (int i = 0; i < kMaxLinksPerSlackUser; ++i) {
    auto link = store_.find_link_by_slack_user(team_id, slack_user_id);
    if (!link.ok()) return link.error();
    if (!link->has_value()) break;
    spdlog::info("directory: Slack user {} of team {} is gone: unlinking platform user {}",
                 slack_user_id, team_id, (*link)->platform_user_id);
    auto deleted = store_.delete_link(team_id, (*link)->platform_user_id);
    if (!deleted.ok()) return deleted.error();
  }
  return Status::success();
}

Status Directory::cache_user(std::string_view team_id, const slack::SlackUser& user) {
  const std::string email = normalize_email(user.email);
  if (email.empty()) return Status::success();
  return store_.upsert_directory(
      {{std::string(team_id), email, directory_user_of(user), clock_.unix_seconds()}});
}

}  // namespace bridgebot::bridge
