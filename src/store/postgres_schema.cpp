// The PostgreSQL schema: the same tables as the SQLite one (sqlite_schema.cpp), in PostgreSQL's
// types, and the migration runner. Append new migrations at the end; never edit one that has
// shipped.
#include "postgres_schema.h"

#include <string>

#include "bridgebot/store/postgres_store.h"

namespace bridgebot::store {
namespace postgres {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, "initial schema", R"sql(
CREATE TABLE installations (
  team_id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL,
  domain TEXT NOT NULL,
  team_name TEXT NOT NULL,
  bot_user_id TEXT NOT NULL,
  bot_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  bot_token BYTEA,
  refresh_token BYTEA,
  token_expires_at BIGINT,
  has_webhook INTEGER NOT NULL,
  webhook_channel TEXT NOT NULL,
  webhook_channel_id TEXT NOT NULL,
  webhook_configuration_url TEXT NOT NULL,
  webhook_url BYTEA,
  notification_channel TEXT NOT NULL,
  sender_identity INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'revoked')),
  installed_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE links (
  team_id TEXT NOT NULL,
  platform_user_id TEXT NOT NULL,
  slack_user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  linked_at BIGINT NOT NULL,
  has_user_token INTEGER NOT NULL,
  user_token BYTEA,
  user_refresh_token BYTEA,
  user_token_expires_at BIGINT,
  PRIMARY KEY (team_id, platform_user_id)
);
CREATE INDEX links_by_slack_user ON links (team_id, slack_user_id);
CREATE INDEX links_by_platform_user ON links (platform_user_id);

CREATE TABLE directory (
  team_id TEXT NOT NULL,
  email TEXT NOT NULL,
  slack_user_id TEXT,
  display_name TEXT NOT NULL,
  avatar_url TEXT NOT NULL,
  fetched_at BIGINT NOT NULL,
  PRIMARY KEY (team_id, email)
);
CREATE INDEX directory_by_slack_user ON directory (team_id, slack_user_id)
  WHERE slack_user_id IS NOT NULL;

CREATE TABLE sources (
  kind TEXT NOT NULL CHECK (kind IN ('message', 'notification')),
  source_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kind, source_id)
);
CREATE INDEX sources_by_team ON sources (team_id);
CREATE INDEX sources_by_created ON sources (created_at);

CREATE TABLE outbox (
  item_id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  source_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  role TEXT NOT NULL,
  destination TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('queued', 'in_flight', 'delivered', 'failed', 'undeliverable', 'ignored')),
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  ordering_key TEXT NOT NULL,
  claimed_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  FOREIGN KEY (kind, source_id) REFERENCES sources (kind, source_id) ON DELETE CASCADE
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, item_id) WHERE status = 'queued';
CREATE INDEX outbox_unfinished_by_key ON outbox (ordering_key, item_id)
  WHERE status IN ('queued', 'in_flight');
CREATE INDEX outbox_in_flight ON outbox (item_id) WHERE status = 'in_flight';
CREATE INDEX outbox_by_source ON outbox (kind, source_id);
CREATE INDEX outbox_by_team ON outbox (team_id);

CREATE TABLE deliveries (
  delivery_id BIGSERIAL PRIMARY KEY,
  item_id BIGINT NOT NULL REFERENCES outbox (item_id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  slack_user TEXT NOT NULL,
  channel TEXT NOT NULL,
  ts TEXT NOT NULL
);
CREATE INDEX deliveries_by_item ON deliveries (item_id);

CREATE TABLE thread_anchors (
  team_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  thread_key TEXT NOT NULL,
  channel TEXT NOT NULL,
  ts TEXT NOT NULL,
  PRIMARY KEY (team_id, destination, thread_key)
);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
)sql"},
    {2, "source activity", R"sql(
CREATE TABLE source_activity (
  source_id TEXT PRIMARY KEY,
  last_event_id TEXT NOT NULL,
  last_event_at BIGINT,
  last_failure TEXT NOT NULL,
  last_failure_at BIGINT
);
)sql"},
    {3, "events inbox", R"sql(
CREATE TABLE inbox (
  inbox_id BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  team_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'done')),
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  reason TEXT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX inbox_due ON inbox (next_attempt_at, inbox_id) WHERE status = 'pending';
CREATE INDEX inbox_in_flight ON inbox (inbox_id) WHERE status = 'in_flight';
CREATE INDEX inbox_done ON inbox (received_at, inbox_id) WHERE status = 'done';
)sql"},
    {4, "replies: source kind reply, deliveries by DM", R"sql(
ALTER TABLE sources DROP CONSTRAINT sources_kind_check;
ALTER TABLE sources ADD CONSTRAINT sources_kind_check
  CHECK (kind IN ('message', 'notification', 'reply'));
CREATE INDEX deliveries_by_dm ON deliveries (channel, ts);
)sql"},
};

// Session-level advisory lock key: replicas starting together migrate one at a time.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7340021)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7340021)";

}  // namespace

Status migrate(Connection& db) {
  if (auto locked = db.exec(kMigrationLock); !locked) return locked.error();
  auto run = [&]() -> Status {
    if (Status s = db.exec_script(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
        !s.ok()) {
      return s;
    }
    auto current = db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!current) return current.error();
    const std::int64_t version = current->integer(0, 0);
    if (version > postgres_schema_version()) {
      return make_error("store_schema_too_new",
                        db.where() + " has schema version " + std::to_string(version) +
                            ", newer than this bridgebot (" +
                            std::to_string(postgres_schema_version()) + "): upgrade bridgebot");
    }
    for (const Migration& migration : kMigrations) {
      if (migration.version <= version) continue;
      const std::string script = std::string("BEGIN;\n") + migration.sql +
                                 "\nINSERT INTO schema_version (version) VALUES (" +
                                 std::to_string(migration.version) + ");\nCOMMIT;";
      if (Status s = db.exec_script(script); !s.ok()) {
        (void)db.exec_script("ROLLBACK");
        Error e = s.error();
        e.message = "migration " + std::to_string(migration.version) + " (" +
                    migration.description + "): " + e.message;
        return e;
      }
    }
    return Status::success();
  }();
  (void)db.exec(kMigrationUnlock);
  return run;
}

}  // namespace postgres

int postgres_schema_version() {
  return postgres::kMigrations[std::size(postgres::kMigrations) - 1].version;
}

}  // namespace bridgebot::store
