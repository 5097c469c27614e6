// Installations, links and the directory cache.
#include <map>
#include <string>
#include <vector>

#include "postgres_store_impl.h"

namespace bridgebot::store::postgres {
namespace {

Installation installation_from_row(const Rows& rows, int r) {
  Installation in;
  in.team_id = rows.text(r, 0);
  in.enterprise_id = rows.text(r, 1);
  in.domain = rows.text(r, 2);
  in.team_name = rows.text(r, 3);
  in.bot_user_id = rows.text(r, 4);
  in.bot_id = rows.text(r, 5);
  in.app_id = rows.text(r, 6);
  in.scopes = split_scopes(rows.text(r, 7));
  in.bot_token = rows.blob(r, 8);
  in.refresh_token = rows.blob(r, 9);
  in.token_expires_at = rows.optional_integer(r, 10);
  if (rows.integer(r, 11) != 0) {
    in.incoming_webhook =
        IncomingWebhook{rows.text(r, 12), rows.text(r, 13), rows.text(r, 14), rows.blob(r, 15)};
  }
  in.notification_channel = rows.text(r, 16);
  in.sender_identity = rows.integer(r, 17) != 0;
  in.state = parse_installation_state(rows.text(r, 18)).value_or(InstallationState::revoked);
  in.installed_at = rows.integer(r, 19);
  in.updated_at = rows.integer(r, 20);
  return in;
}

Link link_from_row(const Rows& rows, int r) {
  Link link{rows.text(r, 0), rows.text(r, 1),    rows.text(r, 2),
            rows.text(r, 3), rows.integer(r, 4), std::nullopt};
  if (rows.integer(r, 5) != 0) {
    link.user_token = UserToken{rows.blob(r, 6), rows.blob(r, 7), rows.optional_integer(r, 8)};
  }
  return link;
}

// Runs a read query and maps every row with `from_row`.
template <typename Record, typename FromRow>
Result<std::vector<Record>> select_all(Pool& pool, std::string_view sql, const Params& params,
                                       FromRow from_row) {
  std::vector<Record> records;
  Status done = pool.read([&](Connection& db) -> Status {
    auto rows = db.exec(sql, params);
    if (!rows) return rows.error();
    for (int r = 0; r < rows->size(); ++r) records.push_back(from_row(*rows, r));
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return records;
}

template <typename Record>
Result<std::optional<Record>> first_of(Result<std::vector<Record>> records) {
  if (!records) return records.error();
  if (records->empty()) return std::optional<Record>();
  return std::optional<Record>(std::move(records->front()));
}

}  // namespace

// ---- installations ----

Status PostgresStore::put_installation(const Installation& in) {
  if (in.team_id.empty()) return make_error("invalid_argument", "an installation needs a team_id");
  const IncomingWebhook webhook = in.incoming_webhook.value_or(IncomingWebhook{});
  static const std::string kUpsert =
      "INSERT INTO installations (" + std::string(kInstallationColumns) +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
      "$18, $19, $20, $21) ON CONFLICT (team_id) DO UPDATE SET enterprise_id = "
      "EXCLUDED.enterprise_id, domain = EXCLUDED.domain, team_name = EXCLUDED.team_name, "
      "bot_user_id = EXCLUDED.bot_user_id, bot_id = EXCLUDED.bot_id, app_id = EXCLUDED.app_id, "
      "scopes = EXCLUDED.scopes, bot_token = EXCLUDED.bot_token, refresh_token = "
      "EXCLUDED.refresh_token, token_expires_at = EXCLUDED.token_expires_at, has_webhook = "
      "EXCLUDED.has_webhook, webhook_channel = EXCLUDED.webhook_channel, webhook_channel_id = "
      "EXCLUDED.webhook_channel_id, webhook_configuration_url = "
      "EXCLUDED.webhook_configuration_url, webhook_url = EXCLUDED.webhook_url, "
      "notification_channel = EXCLUDED.notification_channel, sender_identity = "
      "EXCLUDED.sender_identity, state = EXCLUDED.state, installed_at = EXCLUDED.installed_at, "
      "updated_at = EXCLUDED.updated_at";
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
                                    .integer(in.updated_at));
  if (!stored) return stored.error();
  return Status::success();
}

Result<std::optional<Installation>> PostgresStore::get_installation(std::string_view team_id) {
  static const std::string kSelect =
      "SELECT " + std::string(kInstallationColumns) + " FROM installations WHERE team_id = $1";
  return first_of(
      select_all<Installation>(*pool_, kSelect, Params().text(team_id), installation_from_row));
}

Result<std::vector<Installation>> PostgresStore::list_installations() {
  static const std::string kSelect =
      "SELECT " + std::string(kInstallationColumns) + " FROM installations ORDER BY team_id";
  return select_all<Installation>(*pool_, kSelect, Params(), installation_from_row);
}

Result<bool> PostgresStore::delete_installation(std::string_view team_id) {
  auto deleted = change("DELETE FROM installations WHERE team_id = $1", Params().text(team_id));
  if (!deleted) return deleted.error();
  return *deleted > 0;
}

// ---- links ----

Status PostgresStore::put_link(const Link& link) {
  if (link.team_id.empty() || link.platform_user_id.empty()) {
    return make_error("invalid_argument", "a link needs a team_id and a platform_user_id");
  }
  const UserToken token = link.user_token.value_or(UserToken{});
  return write([&](Connection& db) -> Status {
    if (Status active = lock_active_team(db, link.team_id); !active.ok()) return active;
    static const std::string kUpsert =
        "INSERT INTO links (" + std::string(kLinkColumns) +
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (team_id, platform_user_id) "
        "DO UPDATE SET slack_user_id = EXCLUDED.slack_user_id, email = EXCLUDED.email, "
        "linked_at = EXCLUDED.linked_at, has_user_token = EXCLUDED.has_user_token, user_token = "
        "EXCLUDED.user_token, user_refresh_token = EXCLUDED.user_refresh_token, "
        "user_token_expires_at = EXCLUDED.user_token_expires_at";
    auto stored = db.exec(kUpsert, Params()
                                       .text(link.team_id)
                                       .text(link.platform_user_id)
                                       .text(link.slack_user_id)
                                       .text(link.email)
                                       .integer(link.linked_at)
                                       .integer(std::int64_t{link.user_token.has_value()})
                                       .blob(token.token)
                                       .blob(token.refresh_token)
                                       .integer(token.expires_at));
    if (!stored) return stored.error();
    return Status::success();
  });
}

Result<std::optional<Link>> PostgresStore::get_link(std::string_view team_id,
                                                    std::string_view platform_user_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE team_id = $1 AND platform_user_id = $2";
  return first_of(select_all<Link>(*pool_, kSelect, Params().text(team_id).text(platform_user_id),
                                   link_from_row));
}

Result<std::optional<Link>> PostgresStore::find_link_by_slack_user(std::string_view team_id,
                                                                   std::string_view slack_user_id) {
  static const std::string kSelect =
      "SELECT " + std::string(kLinkColumns) +
      " FROM links WHERE team_id = $1 AND slack_user_id = $2 ORDER BY linked_at DESC LIMIT 1";
  return first_of(
      select_all<Link>(*pool_, kSelect, Params().text(team_id).text(slack_user_id), link_from_row));
}

Result<std::vector<Link>> PostgresStore::links_of_platform_user(std::string_view platform_user_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE platform_user_id = $1 ORDER BY team_id";
  return select_all<Link>(*pool_, kSelect, Params().text(platform_user_id), link_from_row);
}

Result<std::vector<Link>> PostgresStore::links_of_team(std::string_view team_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE team_id = $1 ORDER BY platform_user_id";
  return select_all<Link>(*pool_, kSelect, Params().text(team_id), link_from_row);
}

Result<bool> PostgresStore::delete_link(std::string_view team_id,
                                        std::string_view platform_user_id) {
  auto deleted = change("DELETE FROM links WHERE team_id = $1 AND platform_user_id = $2",
                        Params().text(team_id).text(platform_user_id));
  if (!deleted) return deleted.error();
  return *deleted > 0;
}

// ---- directory cache ----

Status PostgresStore::upsert_directory(const std::vector<DirectoryEntry>& entries) {
  return write([&](Connection& db) -> Status {
    std::map<std::string, bool> installed;  // team -> active (and locked), asked once per team
    for (const DirectoryEntry& entry : entries) {
      auto known = installed.find(entry.team_id);
      if (known == installed.end()) {
        Status active = lock_active_team(db, entry.team_id);
        if (!active.ok() && active.error().code != "conflict") return active;
        known = installed.emplace(entry.team_id, active.ok()).first;
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
      auto stored = db.exec(
          "INSERT INTO directory (team_id, email, slack_user_id, display_name, avatar_url, "
          "fetched_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (team_id, email) DO UPDATE "
          "SET slack_user_id = EXCLUDED.slack_user_id, display_name = EXCLUDED.display_name, "
          "avatar_url = EXCLUDED.avatar_url, fetched_at = EXCLUDED.fetched_at",
          params);
      if (!stored) return stored.error();
    }
    return Status::success();
  });
}

Result<std::optional<DirectoryEntry>> PostgresStore::lookup_directory(std::string_view team_id,
                                                                      std::string_view email) {
  return first_of(select_all<DirectoryEntry>(
      *pool_,
      "SELECT team_id, email, slack_user_id, display_name, avatar_url, fetched_at "
      "FROM directory WHERE team_id = $1 AND email = $2",
      Params().text(team_id).text(email), [](const Rows& rows, int r) {
        DirectoryEntry entry{rows.text(r, 0), rows.text(r, 1), std::nullopt, rows.integer(r, 5)};
        if (!rows.is_null(r, 2)) {
          entry.user = DirectoryUser{rows.text(r, 2), rows.text(r, 3), rows.text(r, 4)};
        }
        return entry;
      }));
}

Result<std::int64_t> PostgresStore::forget_directory_user(std::string_view team_id,
                                                          std::string_view slack_user_id) {
  return change("DELETE FROM directory WHERE team_id = $1 AND slack_user_id = $2",
                Params().text(team_id).text(slack_user_id));
}

}  // namespace bridgebot::store::postgres
