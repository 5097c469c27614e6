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

// The platform user linked this Slack account.
Result<std::optional<SlackIdentity>> linked_identity(store::Link link) {
  std::string slack_user_id = link.slack_user_id;
  return std::optional<SlackIdentity>{SlackIdentity{std::move(slack_user_id), std::move(link)}};
}

// The email match of an unlinked platform user, if any.
Result<std::optional<SlackIdentity>> identity_of(const std::optional<store::DirectoryUser>& user) {
  if (!user.has_value()) return std::optional<SlackIdentity>{};
  return std::optional<SlackIdentity>{SlackIdentity{user->slack_user_id, std::nullopt}};
}

Result<std::optional<SlackIdentity>> identity_of(
    const Result<std::optional<store::DirectoryUser>>& user) {
  if (!user.ok()) return user.error();
  return identity_of(*user);
}

}  // namespace

std::optional<std::optional<store::DirectoryUser>> fresh_answer(
    const std::optional<store::DirectoryEntry>& cached, store::UnixSeconds now,
    const DirectoryOptions& options) {
  if (!cached) return std::nullopt;
  const auto ttl = cached->user ? options.positive_ttl : options.negative_ttl;
  if (now - cached->fetched_at >= ttl.count()) return std::nullopt;
  return cached->user;
}

Result<store::DirectoryEntry> entry_of_lookup(std::string_view team_id, std::string_view email,
                                              const Result<slack::SlackUser>& found,
                                              store::UnixSeconds now) {
  store::DirectoryEntry entry{std::string(team_id), std::string(email), std::nullopt, now};
  if (found.ok()) {
    if (is_matchable(*found)) entry.user = directory_user_of(*found);
    return entry;
  }
  // Nobody (or only a deactivated user) has that email: remembered for negative_ttl. Anything
  // else (rate limits, a stop cutting a pacing wait short, token errors) is not an answer.
  if (found.error().code == "users_not_found") return entry;
  return found.error();
}

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

Result<Directory::EmailLookup> Directory::start_lookup(std::string_view team_id,
                                                       std::string_view email,
                                                       std::int64_t generation) {
  EmailLookup lookup;
  lookup.email = normalize_email(email);
  lookup.now = clock_.unix_seconds();
  lookup.generation = generation;
  if (lookup.email.empty()) {
    lookup.answer.emplace();
    return lookup;
  }
  DirectoryMemo* memo = options_.memo;
  if (memo != nullptr) {
    lookup.memo_epoch = memo->epoch();  // before the store is read or Slack asked
    if (auto held = memo->find(team_id, lookup.email, generation)) {
      lookup.answer = fresh_answer(held, lookup.now, options_);
      if (lookup.answer) return lookup;
    }
  }
  auto cached = store_.lookup_directory(team_id, lookup.email);
  if (!cached.ok()) return cached.error();
  lookup.answer = fresh_answer(*cached, lookup.now, options_);
  if (lookup.answer) {
    if (memo != nullptr && generation != 0) memo->keep(**cached, generation, lookup.memo_epoch);
    return lookup;
  }

  auto installation = installations_.active(team_id);
  if (!installation.ok()) return installation.error();
  lookup.auth = {std::string(team_id), installation->bot_token};
  return lookup;
}

Result<std::optional<store::DirectoryUser>> Directory::finish_lookup(
    const EmailLookup& lookup, const Result<slack::SlackUser>& found) {
  auto entry = entry_of_lookup(lookup.auth.team_id, lookup.email, found, lookup.now);
  if (!entry.ok()) return entry.error();
  if (auto stored = store_.upsert_directory({*entry}); !stored.ok()) {
    // The answer is still right; only the next lookup will ask Slack again.
    spdlog::warn("directory: could not cache a lookup for team {}: {}", lookup.auth.team_id,
                 stored.error().to_string());
  } else if (options_.memo != nullptr) {
    options_.memo->keep(*entry, lookup.generation, lookup.memo_epoch);
  }
  return entry->user;
}

Result<std::optional<store::DirectoryUser>> Directory::find_by_email(std::string_view team_id,
                                                                     std::string_view email) {
  auto lookup = start_lookup(team_id, email, 0);
  if (!lookup.ok()) return lookup.error();
  if (lookup->answer) return *lookup->answer;
  return finish_lookup(*lookup, slack_.users_lookup_by_email(lookup->auth, lookup->email));
}

core::Task<Result<std::optional<store::DirectoryUser>>> Directory::find_by_email_async(
    std::string team_id, std::string email, std::int64_t generation) {
  auto lookup = start_lookup(team_id, email, generation);
  if (!lookup.ok()) co_return lookup.error();
  if (lookup->answer) co_return *lookup->answer;
  co_return co_await ask_slack(std::move(*lookup));
}

core::Task<Result<std::optional<store::DirectoryUser>>> Directory::ask_slack(EmailLookup lookup) {
  // Pacing, a Retry-After and Slack's answer are awaited: no thread waits for them.
  slack::TeamToken auth = lookup.auth;
  std::string normalized = lookup.email;
  auto found = co_await slack_.users_lookup_by_email_async(std::move(auth), std::move(normalized));
  co_return finish_lookup(lookup, found);
}

Result<std::optional<SlackIdentity>> Directory::resolve(std::string_view team_id,
                                                        std::string_view platform_user_id,
                                                        std::string_view email) {
  auto link = store_.get_link(team_id, platform_user_id);
  if (!link.ok()) return link.error();
  if (link->has_value()) return linked_identity(std::move(**link));
  return identity_of(find_by_email(team_id, email));
}

Result<std::optional<store::Link>> Directory::link_of(std::string_view team_id,
                                                      std::string_view platform_user_id,
                                                      std::int64_t generation) {
  if (auto held = links_.find(team_id, platform_user_id, generation)) return std::move(*held);
  auto link = store_.get_link(team_id, platform_user_id);
  if (link.ok()) links_.keep(team_id, platform_user_id, generation, *link);
  return link;
}

core::Task<Result<std::optional<SlackIdentity>>> Directory::resolve_async(
    std::string team_id, std::string platform_user_id, std::string email, std::int64_t generation) {
  auto link = link_of(team_id, platform_user_id, generation);
  if (!link.ok()) co_return link.error();
  if (link->has_value()) co_return linked_identity(std::move(**link));
  // The memo's or the store's answer without another coroutine; Slack's is awaited.
  auto lookup = start_lookup(team_id, email, generation);
  if (!lookup.ok()) co_return lookup.error();
  if (lookup->answer) co_return identity_of(*lookup->answer);
  co_return identity_of(co_await ask_slack(std::move(*lookup)));
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
      auto stored = store_.upsert_directory(page);
      drop_memo(team_id);
      if (!stored.ok()) return stored.error();
      cached += static_cast<std::int64_t>(page.size());
      page.clear();
    }
  }
  if (!page.empty()) {
    auto stored = store_.upsert_directory(page);
    drop_memo(team_id);
    if (!stored.ok()) return stored.error();
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
  drop_memo(team_id);
  if (!forgotten.ok()) return forgotten.error();
  return cache_user(team_id, user);
}

Status Directory::on_team_join(std::string_view team_id, const slack::SlackUser& user) {
  if (!is_matchable(user)) return Status::success();
  return cache_user(team_id, user);
}

Status Directory::forget_user(std::string_view team_id, const std::string& slack_user_id) {
  auto forgotten = store_.forget_directory_user(team_id, slack_user_id);
  drop_memo(team_id);
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
  Status stored = store_.upsert_directory(
      {{std::string(team_id), email, directory_user_of(user), clock_.unix_seconds()}});
  drop_memo(team_id);
  return stored;
}

void Directory::drop_memo(std::string_view team_id) {
  // After the write, whether it succeeded or not (a failed commit may still have landed).
  if (options_.memo != nullptr) options_.memo->forget_team(team_id);
}

}  // namespace bridgebot::bridge
