// Installations, links and the directory cache.
#include <initializer_list>
#include <string>
#include <vector>

#include "sqlite_store_impl.h"

namespace bridgebot::store::sqlite {
namespace {

Installation installation_from_row(const Statement& row) {
  Installation installation;
  installation.team_id = row.text(0);
  installation.enterprise_id = row.text(1);
  installation.domain = row.text(2);
  installation.team_name = row.text(3);
  installation.bot_user_id = row.text(4);
  installation.bot_id = row.text(5);
  installation.app_id = row.text(6);
  installation.scopes = split_scopes(row.text(7));
  installation.bot_token = row.blob(8);
  installation.refresh_token = row.blob(9);
  installation.token_expires_at = row.optional_integer(10);
  if (row.integer(11) != 0) {
    installation.incoming_webhook =
        IncomingWebhook{row.text(12), row.text(13), row.text(14), row.blob(15)};
  }
  installation.notification_channel = row.text(16);
  installation.sender_identity = row.integer(17) != 0;
  installation.state = parse_installation_state(row.text(18)).value_or(InstallationState::revoked);
  installation.installed_at = row.integer(19);
  installation.updated_at = row.integer(20);
  return installation;
}

Link link_from_row(const Statement& row) {
  Link link{row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4), std::nullopt};
  if (row.integer(5) != 0)
    link.user_token = UserToken{row.blob(6), row.blob(7), row.optional_integer(8)};
  return link;
}

using Keys = std::initializer_list<std::string_view>;

// Binds `keys` to parameters ?1, ?2, ... in order.
void bind_keys(Statement& statement, Keys keys) {
  int index = 1;
  for (std::string_view key : keys) statement.bind(index++, key);
}

// Runs a query expected to return at most one row, mapped with `from_row`.
template <typename FromRow>
auto query_one(Connection& db, std::string_view sql, Keys keys, FromRow from_row)
    -> Result<std::optional<decltype(from_row(std::declval<const Statement&>()))>> {
  using Record = decltype(from_row(std::declval<const Statement&>()));
  auto query = db.prepare(sql);
  if (!query) return query.error();
  bind_keys(*query, keys);
  auto row = query->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Record>();
  return std::optional<Record>(from_row(*query));
}

// Runs a query returning any number of rows, mapped with `from_row`.
template <typename FromRow>
auto query_all(Connection& db, std::string_view sql, Keys keys, FromRow from_row)
    -> Result<std::vector<decltype(from_row(std::declval<const Statement&>()))>> {
  using Record = decltype(from_row(std::declval<const Statement&>()));
  auto query = db.prepare(sql);
  if (!query) return query.error();
  bind_keys(*query, keys);
  std::vector<Record> records;
  for (;;) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) return records;
    records.push_back(from_row(*query));
  }
}

// Runs a keyed DELETE on the writer and returns how many rows it removed.
Result<std::int64_t> delete_rows(GroupCommitWriter& writer, std::string_view sql, Keys keys) {
  std::int64_t deleted = 0;
  Status written = writer.write([&](Connection& db) -> Status {
    auto statement = db.prepare(sql);
    if (!statement) return statement.error();
    bind_keys(*statement, keys);
    if (Status s = statement->run(); !s.ok()) return s;
    deleted = db.changes();
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return deleted;
}

}  // namespace

// ---- installations ----

Status SqliteStore::put_installation(const Installation& in) {
  if (in.team_id.empty()) return make_error("invalid_argument", "an installation needs a team_id");
  return writer_.write([&](Connection& db) -> Status {
    static const std::string kUpsert = "INSERT OR REPLACE INTO installations (" +
                                       std::string(kInstallationColumns) +
                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                       "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
    auto upsert = db.prepare(kUpsert);
    if (!upsert) return upsert.error();
    const IncomingWebhook webhook = in.incoming_webhook.value_or(IncomingWebhook{});
    return upsert->bind(1, in.team_id)
        .bind(2, in.enterprise_id)
        .bind(3, in.domain)
        .bind(4, in.team_name)
        .bind(5, in.bot_user_id)
        .bind(6, in.bot_id)
        .bind(7, in.app_id)
        .bind(8, join_scopes(in.scopes))
        .bind(9, in.bot_token)
        .bind(10, in.refresh_token)
        .bind(11, in.token_expires_at)
        .bind(12, std::int64_t{in.incoming_webhook.has_value()})
        .bind(13, webhook.channel)
        .bind(14, webhook.channel_id)
        .bind(15, webhook.configuration_url)
        .bind(16, webhook.url)
        .bind(17, in.notification_channel)
        .bind(18, std::int64_t{in.sender_identity})
        .bind(19, to_string(in.state))
        .bind(20, in.installed_at)
        .bind(21, in.updated_at)
        .run();
  });
}

Result<std::optional<Installation>> SqliteStore::get_installation(std::string_view team_id) {
  static const std::string kSelect =
      "SELECT " + std::string(kInstallationColumns) + " FROM installations WHERE team_id = ?1";
  return with_reader(
      [&](Connection& db) { return query_one(db, kSelect, {team_id}, installation_from_row); });
}

Result<std::vector<Installation>> SqliteStore::list_installations() {
  static const std::string kSelect =
      "SELECT " + std::string(kInstallationColumns) + " FROM installations ORDER BY team_id";
  return with_reader(
      [&](Connection& db) { return query_all(db, kSelect, {}, installation_from_row); });
}

Result<bool> SqliteStore::delete_installation(std::string_view team_id) {
  auto deleted = delete_rows(writer_, "DELETE FROM installations WHERE team_id = ?1", {team_id});
  if (!deleted) return deleted.error();
  return *deleted > 0;
}

// ---- links ----

Status SqliteStore::put_link(const Link& link) {
  if (link.team_id.empty() || link.platform_user_id.empty()) {
    return make_error("invalid_argument", "a link needs a team_id and a platform_user_id");
  }
  return writer_.write([&](Connection& db) -> Status {
    static const std::string kUpsert =
        "INSERT OR REPLACE INTO links (" + std::string(kLinkColumns) +
        ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9" + std::string(kWhileTeamActive);
    auto upsert = db.prepare(kUpsert);
    if (!upsert) return upsert.error();
    const UserToken token = link.user_token.value_or(UserToken{});
    Status s = upsert->bind(1, link.team_id)
                   .bind(2, link.platform_user_id)
                   .bind(3, link.slack_user_id)
                   .bind(4, link.email)
                   .bind(5, link.linked_at)
                   .bind(6, std::int64_t{link.user_token.has_value()})
                   .bind(7, token.token)
                   .bind(8, token.refresh_token)
                   .bind(9, token.expires_at)
                   .run();
    if (!s.ok()) return s;
    return db.changes() > 0 ? Status::success() : Status(team_not_installed(link.team_id));
  });
}

Result<std::optional<Link>> SqliteStore::get_link(std::string_view team_id,
                                                  std::string_view platform_user_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE team_id = ?1 AND platform_user_id = ?2";
  return with_reader([&](Connection& db) {
    return query_one(db, kSelect, {team_id, platform_user_id}, link_from_row);
  });
}

Result<std::optional<Link>> SqliteStore::find_link_by_slack_user(std::string_view team_id,
                                                                 std::string_view slack_user_id) {
  static const std::string kSelect =
      "SELECT " + std::string(kLinkColumns) +
      " FROM links WHERE team_id = ?1 AND slack_user_id = ?2 ORDER BY linked_at DESC LIMIT 1";
  return with_reader([&](Connection& db) {
    return query_one(db, kSelect, {team_id, slack_user_id}, link_from_row);
  });
}

Result<std::vector<Link>> SqliteStore::links_of_platform_user(std::string_view platform_user_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE platform_user_id = ?1 ORDER BY team_id";
  return with_reader(
      [&](Connection& db) { return query_all(db, kSelect, {platform_user_id}, link_from_row); });
}

Result<std::vector<Link>> SqliteStore::links_of_team(std::string_view team_id) {
  static const std::string kSelect = "SELECT " + std::string(kLinkColumns) +
                                     " FROM links WHERE team_id = ?1 ORDER BY platform_user_id";
  return with_reader(
      [&](Connection& db) { return query_all(db, kSelect, {team_id}, link_from_row); });
}

Result<bool> SqliteStore::delete_link(std::string_view team_id, std::string_view platform_user_id) {
  auto deleted =
      delete_rows(writer_, "DELETE FROM links WHERE team_id = ?1 AND platform_user_id = ?2",
                  {team_id, platform_user_id});
  if (!deleted) return deleted.error();
  return *deleted > 0;
}

// ---- directory cache ----

Status SqliteStore::upsert_directory(const std::vector<DirectoryEntry>& entries) {
  return writer_.write([&](Connection& db) -> Status {
    // Entries of a workspace that is not installed are dropped (a cache may lose entries).
    static const std::string kUpsert =
        "INSERT OR REPLACE INTO directory "
        "(team_id, email, slack_user_id, display_name, avatar_url, fetched_at) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6" +
        std::string(kWhileTeamActive);
    auto upsert = db.prepare(kUpsert);
    if (!upsert) return upsert.error();
    for (const DirectoryEntry& entry : entries) {
      upsert->bind(1, entry.team_id).bind(2, entry.email).bind(6, entry.fetched_at);
      if (entry.user) {
        upsert->bind(3, entry.user->slack_user_id)
            .bind(4, entry.user->display_name)
            .bind(5, entry.user->avatar_url);
      } else {
        upsert->bind_null(3).bind(4, "").bind(5, "");
      }
      if (Status s = upsert->run(); !s.ok()) return s;
    }
    return Status::success();
  });
}

Result<std::optional<DirectoryEntry>> SqliteStore::lookup_directory(std::string_view team_id,
                                                                    std::string_view email) {
  return with_reader([&](Connection& db) {
    return query_one(db,
                     "SELECT team_id, email, slack_user_id, display_name, avatar_url, fetched_at "
                     "FROM directory WHERE team_id = ?1 AND email = ?2",
                     {team_id, email}, [](const Statement& row) {
                       DirectoryEntry entry{row.text(0), row.text(1), std::nullopt, row.integer(5)};
                       if (!row.is_null(2)) {
                         entry.user = DirectoryUser{row.text(2), row.text(3), row.text(4)};
                       }
                       return entry;
                     });
  });
}

Result<std::int64_t> SqliteStore::forget_directory_user(std::string_view team_id,
                                                        std::string_view slack_user_id) {
  return delete_rows(writer_, "DELETE FROM directory WHERE team_id = ?1 AND slack_user_id = ?2",
                     {team_id, slack_user_id});
}

}  // namespace bridgebot::store::sqlite
