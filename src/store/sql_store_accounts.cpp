// Installations, links and the directory cache.
#include <map>
#include <string>
#include <vector>

#include "sql_store.h"
#include "store_rules.h"

namespace bridgebot::store::sql {
namespace {

// Column lists in the order the row mappers read them.
constexpr std::string_view kInstallationColumns =
    "team_id, enterprise_id, domain, team_name, bot_user_id, bot_id, app_id, scopes, bot_token, "
    "refresh_token, token_expires_at, has_webhook, webhook_channel, webhook_channel_id, "
    "webhook_configuration_url, webhook_url, notification_channel, sender_identity, state, "
    "installed_at, updated_at, generation";
constexpr std::string_view kLinkColumns =
    "team_id, platform_user_id, slack_user_id, email, linked_at, has_user_token, user_token, "
    "user_refresh_token, user_token_expires_at";

Installation installation_from_row(const Row& row) {
  Installation in;
  in.team_id = row.text(0);
  in.enterprise_id = row.text(1);
  in.domain = row.text(2);
  in.team_name = row.text(3);
  in.bot_user_id = row.text(4);
  in.bot_id = row.text(5);
  in.app_id = row.text(6);
  in.scopes = split_scopes(row.text(7));
  in.bot_token = row.blob(8);
  in.refresh_token = row.blob(9);
  in.token_expires_at = row.optional_integer(10);
  if (row.integer(11) != 0) {
    in.incoming_webhook = IncomingWebhook{row.text(12), row.text(13), row.text(14), row.blob(15)};
  }
  in.notification_channel = row.text(16);
  in.sender_identity = row.integer(17) != 0;
  in.state = parse_installation_state(row.text(18)).value_or(InstallationState::revoked);
  in.installed_at = row.integer(19);
  in.updated_at = row.integer(20);
  in.generation = row.integer(21);
  return in;
}

Link link_from_row(const Row& row) {
  Link link{row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4), std::nullopt};
  if (row.integer(5) != 0) {
    link.user_token = UserToken{row.blob(6), row.blob(7), row.optional_integer(8)};
  }
  return link;
}

DirectoryEntry directory_entry_from_row(const Row& row) {
  DirectoryEntry entry{row.text(0), row.text(1), std::nullopt, row.integer(5)};
  if (!row.is_null(2)) entry.user = DirectoryUser{row.text(2), row.text(3), row.text(4)};
  return entry;
}

// "c = excluded.c, …" for every column of `columns` after the first `key_columns`: an upsert
// replaces the whole row but its key.
std::string set_excluded(std::string_view columns, int key_columns) {
  std::string out;
  int index = 0;
  while (!columns.empty()) {
    const std::size_t comma = columns.find(',');
    std::string_view column = columns.substr(0, comma);
    while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
    if (index++ >= key_columns) {
      out += (out.empty() ? "" : ", ") + std::string(column) + " = excluded." + std::string(column);
    }
    columns = comma == std::string_view::npos ? std::string_view() : columns.substr(comma + 1);
  }
  return out;
}

// "$1, $2, …, $n".
std::string placeholders(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += (i > 1 ? ", $" : "$") + std::to_string(i);
  return out;
}

}  // namespace

// ---- installations ----

Status SqlStore::put_installation(const Installation& in) {
  if (in.team_id.empty()) return make_error("invalid_argument", "an installation needs a team_id");
  static const std::string kUpsert = "INSERT INTO installations (" +
                                     std::string(kInstallationColumns) + ") VALUES (" +
                                     placeholders(22) + ") ON CONFLICT (team_id) DO UPDATE SET " +
                                     set_excluded(kInstallationColumns, 1);
  const IncomingWebhook webhook = in.incoming_webhook.value_or(IncomingWebhook{});
  auto stored = change(kUpsert, Params()
                                    .text(in.team_id)
                                    .text(in.enterprise_id)
                                    .text(in.domain)
                                    .text(in.team_name)
                                    .text(in.bot_user_id)
                                    .text(in.bot_id)
                                    .text(in.app_id)
                                    .text(join_scopes(in.scopes))
                                    .blob(in.bot_token)
                                    .blob(in.refresh_token)
                                    .integer(in.token_expires_at)
                                    .integer(std::int64_t{in.incoming_webhook.has_value()})
                                    .text(webhook.channel)
                                    .text(webhook.channel_id)
                                    .text(webhook.configuration_url)
                                    .blob(webhook.url)
                                    .text(in.notification_channel)
                                    .integer(std::int64_t{in.sender_identity})
                                    .text(to_string(in.state))
                                    .integer(in.installed_at)
                                    .integer(in.updated_at)
                                    .integer(new_generation()));
  if (!stored) return stored.error();
  return Status::success();
}

Result<std::optional<Installation>> SqlStore::get_installation(std::string_view team_id) {
  static const std::string kSelect =
      "SELECT " + std::string(kInstallationColumns) + " FROM installations WHERE team_id = $1";
  return select_one(kSelect, Params().text(team_id), installation_from_row);
}

Result<std::optional<InstallationStamp>> SqlStore::installation_stamp(std::string_view team_id) {
  return select_one(
      "SELECT state, generation FROM installations WHERE team_id = $1", Params().text(team_id),
      [](const Row& row) {
        return InstallationStamp{
            parse_installation_state(row.text(0)).value_or(InstallationState::revoked),
            row.integer(1)};
      });
}

Result<std::vector<Installation>> SqlStore::list_installations() {
  static const std::string kSelect =
      "SELECT " + std::string(kInstallationColumns) + " FROM installations ORDER BY team_id";
  return select_all(kSelect, Params(), installation_from_row);
}

Result<bool> SqlStore::delete_installation(std::string_view team_id) {
  auto deleted = change("DELETE FROM installations WHERE team_id = $1", Params().text(team_id));
  if (!deleted) return deleted.error();
  return *deleted > 0;
}

// ---- links ----

// Every write of a team's links gives its installation a new generation in the same transaction
// (types.h), so that a link read under generation g is current while installation_stamp says g.
constexpr std::string_view kStampTeam =
    "UPDATE installations SET generation = $2 WHERE team_id = $1";
constexpr std::string_view kStampActiveTeam =
    "UPDATE installations SET generation = $2 WHERE team_id = $1 AND state = 'active'";

Status SqlStore::put_link(const Link& link) {
  if (link.team_id.empty() || link.platform_user_id.empty()) {
    return make_error("invalid_argument", "a link needs a team_id and a platform_user_id");
  }
  static const std::string kUpsert =
      "INSERT INTO links (" + std::string(kLinkColumns) + ") VALUES (" + placeholders(9) +
      ") ON CONFLICT (team_id, platform_user_id) DO UPDATE SET " + set_excluded(kLinkColumns, 2);
  const UserToken token = link.user_token.value_or(UserToken{});
  const Params params = Params()
                            .text(link.team_id)
                            .text(link.platform_user_id)
                            .text(link.slack_user_id)
                            .text(link.email)
                            .integer(link.linked_at)
                            .integer(std::int64_t{link.user_token.has_value()})
                            .blob(token.token)
                            .blob(token.refresh_token)
                            .integer(token.expires_at);
  return db_->write([&](Session& s) -> Status {
    // Only for an active installation, whose generation changes with it (the row locked first,
    // as every writer of links and the Disconnect purge lock it).
    auto stamped = s.exec(kStampActiveTeam, Params().text(link.team_id).integer(new_generation()));
    if (!stamped) return stamped.error();
    if (*stamped == 0) return team_not_installed(link.team_id);
    auto stored = s.exec(kUpsert, params);
    return stored ? Status::success() : Status(stored.error());
  });
}

Result<std::optional<Link>> SqlStore::get_link(std::string_view team_id,
                                               std::string_view platform_user_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE team_id = $1 AND platform_user_id = $2";
  return select_one(kSelect, Params().text(team_id).text(platform_user_id), link_from_row);
}

Result<std::optional<Link>> SqlStore::find_link_by_slack_user(std::string_view team_id,
                                                              std::string_view slack_user_id) {
  static const std::string kSelect =
      "SELECT " + std::string(kLinkColumns) +
      " FROM links WHERE team_id = $1 AND slack_user_id = $2 ORDER BY linked_at DESC LIMIT 1";
  return select_one(kSelect, Params().text(team_id).text(slack_user_id), link_from_row);
}

Result<std::vector<Link>> SqlStore::links_of_platform_user(std::string_view platform_user_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE platform_user_id = $1 ORDER BY team_id";
  return select_all(kSelect, Params().text(platform_user_id), link_from_row);
}

Result<std::vector<Link>> SqlStore::links_of_team(std::string_view team_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE team_id = $1 ORDER BY platform_user_id";
  return select_all(kSelect, Params().text(team_id), link_from_row);
}

Result<bool> SqlStore::delete_link(std::string_view team_id, std::string_view platform_user_id) {
  bool deleted = false;
  Status done = db_->write([&](Session& s) -> Status {
    auto stamped = s.exec(kStampTeam, Params().text(team_id).integer(new_generation()));
    if (!stamped) return stamped.error();
    auto rows = s.exec("DELETE FROM links WHERE team_id = $1 AND platform_user_id = $2",
                       Params().text(team_id).text(platform_user_id));
    if (!rows) return rows.error();
    deleted = *rows > 0;
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return deleted;
}

// ---- directory cache ----

Status SqlStore::upsert_directory(const std::vector<DirectoryEntry>& entries) {
  return db_->write([&](Session& s) -> Status {
    std::map<std::string, bool, std::less<>> active;  // team -> installed, asked once per team
    for (const DirectoryEntry& entry : entries) {
      auto known = active.find(entry.team_id);
      if (known == active.end()) {
        Status installed = active_team(s, entry.team_id);
        if (!installed.ok() && installed.error().code != "conflict") return installed;
        known = active.emplace(entry.team_id, installed.ok()).first;
      }
      // Entries of a workspace that is not installed are dropped (a cache may lose entries).
      if (!known->second) continue;
      Params params;
      params.text(entry.team_id).text(entry.email);
      if (entry.user) {
        params.text(entry.user->slack_user_id)
            .text(entry.user->display_name)
            .text(entry.user->avatar_url);
      } else {
        params.null().text("").text("");
      }
      params.integer(entry.fetched_at);
      auto stored = s.exec(
          "INSERT INTO directory (team_id, email, slack_user_id, display_name, avatar_url, "
          "fetched_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (team_id, email) DO UPDATE "
          "SET slack_user_id = excluded.slack_user_id, display_name = excluded.display_name, "
          "avatar_url = excluded.avatar_url, fetched_at = excluded.fetched_at",
          params);
      if (!stored) return stored.error();
    }
    return Status::success();
  });
}

Result<std::optional<DirectoryEntry>> SqlStore::lookup_directory(std::string_view team_id,
                                                                 std::string_view email) {
  return select_one(
      "SELECT team_id, email, slack_user_id, display_name, avatar_url, fetched_at "
      "FROM directory WHERE team_id = $1 AND email = $2",
      Params().text(team_id).text(email), directory_entry_from_row);
}

Result<std::int64_t> SqlStore::forget_directory_user(std::string_view team_id,
                                                     std::string_view slack_user_id) {
  return change("DELETE FROM directory WHERE team_id = $1 AND slack_user_id = $2",
                Params().text(team_id).text(slack_user_id));
}

}  // namespace bridgebot::store::sql
