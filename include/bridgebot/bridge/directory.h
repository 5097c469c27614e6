// Directory: which Slack user a platform user is, in one workspace.
//
// Lookup order: the user's link (store) → the directory cache (store; positive entries live
// positive_ttl, negative ones negative_ttl) → users.lookupByEmail, whose answer is cached.
// Deactivated users, bots, app users and Slackbot never match. Emails are normalised with
// normalize_email before they touch the cache or Slack.
//
// It also keeps the cache and the links true as Slack changes: sweep() walks users.list and
// upserts the cache page by page (a workspace costs pages, not a call per user), and the
// user_change / team_join events land in on_user_change / on_team_join.
//
// Thread safety: every method may run concurrently (its link memo, the Store and the SlackApi it
// uses are thread-safe). Every method blocks on the store and on Slack: call it from
// worker threads. The `_async` lookups block on the store only and await Slack (pacing, a
// Retry-After, the answer) without holding a thread: for deliveries on a core::Executor, where a
// pacing wait cut short by Executor::cancel_timers() ends the lookup with the transient error
// "cancelled" (nothing cached). The referenced objects must outlive the Directory and its tasks.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bridgebot/bridge/directory_memo.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/bridge/link_memo.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/result.h"
#include "bridgebot/core/task.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct DirectoryOptions {
  std::chrono::seconds positive_ttl{std::chrono::hours(24)};
  std::chrono::seconds negative_ttl{std::chrono::hours(1)};
  int sweep_page_size = 200;
  // Entries in memory in front of the store (directory_memo.h), shared by every Directory of
  // the process so that each one's writes reach it; null: every lookup reads the store.
  DirectoryMemo* memo = nullptr;
};

// A platform user as found in Slack.
struct SlackIdentity {
  std::string slack_user_id;
  std::optional<store::Link> link;  // set when the platform user linked this Slack account
};

// Whether a Slack user may ever be matched to a platform user: an active human (guests
// included), not a bot, an app user or Slackbot.
bool is_matchable(const slack::SlackUser& user);

// What the cache says about an email now: the cached answer (a user, or nobody) while the entry
// is fresh (positive_ttl for a user, negative_ttl for nobody); nullopt: Slack must be asked.
std::optional<std::optional<store::DirectoryUser>> fresh_answer(
    const std::optional<store::DirectoryEntry>& cached, store::UnixSeconds now,
    const DirectoryOptions& options);

// The cache entry that users.lookupByEmail's answer `found` makes for (team_id, email) at `now`:
// the user when matchable, nobody when not (users_not_found included); any other error is no
// answer and is returned as it is.
Result<store::DirectoryEntry> entry_of_lookup(std::string_view team_id, std::string_view email,
                                              const Result<slack::SlackUser>& found,
                                              store::UnixSeconds now);

class Directory {
 public:
  Directory(store::Store& store, slack::SlackApi& slack, InstallationDirectory& installations,
            const core::Clock& clock, DirectoryOptions options = {});

  // The Slack user with this email (cache, then users.lookupByEmail); nullopt when Slack has no
  // matchable user with it. Errors are Slack's or the store's (token_expired, ratelimited, ...).
  Result<std::optional<store::DirectoryUser>> find_by_email(std::string_view team_id,
                                                            std::string_view email);
  // `generation`: the installation's, as the delivery just read it (ActiveInstallation), which
  // lets the memo answer; 0 reads the store.
  core::Task<Result<std::optional<store::DirectoryUser>>> find_by_email_async(
      std::string team_id, std::string email, std::int64_t generation = 0);

  // The platform user's link, if any. With the installation's `generation` as a delivery just
  // read it (ActiveInstallation), from the link memo when it holds the link under it (link_memo.h:
  // exactly as current as the store); 0 reads the store.
  Result<std::optional<store::Link>> link_of(std::string_view team_id,
                                             std::string_view platform_user_id,
                                             std::int64_t generation);
  // The platform user's link when there is one, else the email match; nullopt when neither.
  Result<std::optional<SlackIdentity>> resolve(std::string_view team_id,
                                               std::string_view platform_user_id,
                                               std::string_view email);
  core::Task<Result<std::optional<SlackIdentity>>> resolve_async(std::string team_id,
                                                                 std::string platform_user_id,
                                                                 std::string email,
                                                                 std::int64_t generation = 0);

  // Walks users.list for the team and upserts the cache in pages; deactivated users lose their
  // cache entries and links. Returns how many matchable users were cached.
  Result<std::int64_t> sweep(std::string_view team_id);

  // user_change: a deactivated (or no longer matchable) user loses links and cache entries; an
  // email change drops the links whose email no longer matches and re-caches the new email.
  Status on_user_change(std::string_view team_id, const slack::SlackUser& user);
  // team_join: a new member goes into the cache.
  Status on_team_join(std::string_view team_id, const slack::SlackUser& user);

 private:
  // An email lookup up to the point where Slack is asked: the cache's answer when it has one,
  // else the token and normalised email to ask Slack with.
  struct EmailLookup {
    std::optional<std::optional<store::DirectoryUser>> answer;
    slack::TeamToken auth;
    std::string email;
    store::UnixSeconds now = 0;
    std::int64_t generation = 0;  // the installation's, for the memo; 0: unknown
    std::uint64_t memo_epoch = 0;
  };
  Result<EmailLookup> start_lookup(std::string_view team_id, std::string_view email,
                                   std::int64_t generation);
  // Asks Slack for a lookup the cache could not answer, and finishes it.
  core::Task<Result<std::optional<store::DirectoryUser>>> ask_slack(EmailLookup lookup);
  // Caches Slack's answer `found` and returns what it means.
  Result<std::optional<store::DirectoryUser>> finish_lookup(const EmailLookup& lookup,
                                                            const Result<slack::SlackUser>& found);

  Status forget_user(std::string_view team_id, const std::string& slack_user_id);
  Status cache_user(std::string_view team_id, const slack::SlackUser& user);
  // After a write of the team's entries other than a lookup's answer: the memo drops the team.
  void drop_memo(std::string_view team_id);

  store::Store& store_;
  slack::SlackApi& slack_;
  InstallationDirectory& installations_;
  const core::Clock& clock_;
  DirectoryOptions options_;
  LinkMemo links_;
};

}  // namespace bridgebot::bridge
