// The schema as steps, each with the migration version it has in each engine's history: the
// histories were written apart (PostgreSQL's first version already held SQLite's second, and
// SQLite must rebuild a table where PostgreSQL alters a constraint), and databases of both kinds
// exist at those versions. Steps sharing a version run as one migration. Append new steps at the
// end; never edit one that has shipped.
//
// Placeholders, filled from the Dialect: {int64}, {serial_key} an int64 key the database assigns,
// {blob} a byte string, {without_rowid} SQLite's clustered table, {delivery_key} the deliveries'
// own key.
// Enum columns hold the names from types.h (to_string), so the data reads well in a SQL shell.
#include "sql_schema.h"

#include <string>

namespace bridgebot::store::sql {
namespace {

struct Step {
  int sqlite_version;    // 0: not in SQLite's history
  int postgres_version;  // 0: not in PostgreSQL's history
  std::string_view description;
  std::string_view sql;
};

constexpr Step kSteps[] = {
    {1, 1, "initial schema", R"sql(
CREATE TABLE installations (
  team_id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL,
  domain TEXT NOT NULL,
  team_name TEXT NOT NULL,
  bot_user_id TEXT NOT NULL,
  bot_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  scopes TEXT NOT NULL,                -- space-separated
  bot_token {blob},
  refresh_token {blob},
  token_expires_at {int64},
  has_webhook INTEGER NOT NULL,
  webhook_channel TEXT NOT NULL,
  webhook_channel_id TEXT NOT NULL,
  webhook_configuration_url TEXT NOT NULL,
  webhook_url {blob},
  notification_channel TEXT NOT NULL,
  sender_identity INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'revoked')),
  installed_at {int64} NOT NULL,
  updated_at {int64} NOT NULL
);

CREATE TABLE links (
  team_id TEXT NOT NULL,
  platform_user_id TEXT NOT NULL,
  slack_user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  linked_at {int64} NOT NULL,
  has_user_token INTEGER NOT NULL,
  user_token {blob},
  user_refresh_token {blob},
  user_token_expires_at {int64},
  PRIMARY KEY (team_id, platform_user_id)
){without_rowid};
CREATE INDEX links_by_slack_user ON links (team_id, slack_user_id);
CREATE INDEX links_by_platform_user ON links (platform_user_id);

-- Sized for a million rows: the primary key is the lookup, no rowid indirection.
CREATE TABLE directory (
  team_id TEXT NOT NULL,
  email TEXT NOT NULL,
  slack_user_id TEXT,                  -- NULL: negative entry
  display_name TEXT NOT NULL,
  avatar_url TEXT NOT NULL,
  fetched_at {int64} NOT NULL,
  PRIMARY KEY (team_id, email)
){without_rowid};
CREATE INDEX directory_by_slack_user ON directory (team_id, slack_user_id)
  WHERE slack_user_id IS NOT NULL;

-- One row per accepted message/notification: the idempotency record and its own status.
CREATE TABLE sources (
  kind TEXT NOT NULL CHECK (kind IN ('message', 'notification')),
  source_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at {int64} NOT NULL,
  PRIMARY KEY (kind, source_id)
){without_rowid};
CREATE INDEX sources_by_team ON sources (team_id);

CREATE TABLE outbox (
  item_id {serial_key},
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
  next_attempt_at {int64} NOT NULL,
  ordering_key TEXT NOT NULL,
  claimed_by TEXT NOT NULL,
  created_at {int64} NOT NULL,
  FOREIGN KEY (kind, source_id) REFERENCES sources (kind, source_id) ON DELETE CASCADE
);
-- claim_due scans only queued items by due time, and checks for unfinished predecessors per key.
CREATE INDEX outbox_due ON outbox (next_attempt_at, item_id) WHERE status = 'queued';
CREATE INDEX outbox_unfinished_by_key ON outbox (ordering_key, item_id)
  WHERE status IN ('queued', 'in_flight');
CREATE INDEX outbox_in_flight ON outbox (item_id) WHERE status = 'in_flight';
CREATE INDEX outbox_by_source ON outbox (kind, source_id);
CREATE INDEX outbox_by_team ON outbox (team_id);

CREATE TABLE deliveries ({delivery_key}
  item_id {int64} NOT NULL REFERENCES outbox (item_id) ON DELETE CASCADE,
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
){without_rowid};

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at {int64} NOT NULL
){without_rowid};
)sql"},
    {2, 1, "retention: sources by age", R"sql(
CREATE INDEX sources_by_created ON sources (created_at);
)sql"},
    {3, 2, "source activity", R"sql(
CREATE TABLE source_activity (
  source_id TEXT PRIMARY KEY,
  last_event_id TEXT NOT NULL,
  last_event_at {int64},
  last_failure TEXT NOT NULL,
  last_failure_at {int64}
){without_rowid};
)sql"},
    {4, 3, "events inbox", R"sql(
-- Slack events, recorded before they are acknowledged. A done row keeps only its event_id (for
-- de-duplication of Slack's retries) until it is pruned.
CREATE TABLE inbox (
  inbox_id {serial_key},
  event_id TEXT NOT NULL UNIQUE,
  team_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'done')),
  attempts INTEGER NOT NULL,
  next_attempt_at {int64} NOT NULL,
  reason TEXT NOT NULL,
  received_at {int64} NOT NULL
);
CREATE INDEX inbox_due ON inbox (next_attempt_at, inbox_id) WHERE status = 'pending';
CREATE INDEX inbox_in_flight ON inbox (inbox_id) WHERE status = 'in_flight';
CREATE INDEX inbox_done ON inbox (received_at, inbox_id) WHERE status = 'done';
)sql"},
    // SQLite cannot alter a CHECK: sources is rebuilt. With foreign keys on (they cannot be
    // turned off inside the migration's transaction) dropping sources would cascade into the
    // outbox and renaming it would repoint the outbox's key, so the outbox and its deliveries are
    // rebuilt with it: copied aside, dropped children first, created again, copied back (rowids
    // kept: deliveries are read in rowid order).
    {5, 0, "replies: source kind reply, deliveries by DM", R"sql(
CREATE TABLE sources_copy AS SELECT * FROM sources;
CREATE TABLE outbox_copy AS SELECT * FROM outbox;
CREATE TABLE deliveries_copy AS SELECT rowid AS copy_rowid, * FROM deliveries;
DROP TABLE deliveries;
DROP TABLE outbox;
DROP TABLE sources;

CREATE TABLE sources (
  kind TEXT NOT NULL CHECK (kind IN ('message', 'notification', 'reply')),
  source_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, source_id)
) WITHOUT ROWID;
CREATE INDEX sources_by_team ON sources (team_id);
CREATE INDEX sources_by_created ON sources (created_at);

CREATE TABLE outbox (
  item_id INTEGER PRIMARY KEY,
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
  next_attempt_at INTEGER NOT NULL,
  ordering_key TEXT NOT NULL,
  claimed_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (kind, source_id) REFERENCES sources (kind, source_id) ON DELETE CASCADE
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, item_id) WHERE status = 'queued';
CREATE INDEX outbox_unfinished_by_key ON outbox (ordering_key, item_id)
  WHERE status IN ('queued', 'in_flight');
CREATE INDEX outbox_in_flight ON outbox (item_id) WHERE status = 'in_flight';
CREATE INDEX outbox_by_source ON outbox (kind, source_id);
CREATE INDEX outbox_by_team ON outbox (team_id);

CREATE TABLE deliveries (
  item_id INTEGER NOT NULL REFERENCES outbox (item_id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  slack_user TEXT NOT NULL,
  channel TEXT NOT NULL,
  ts TEXT NOT NULL
);
CREATE INDEX deliveries_by_item ON deliveries (item_id);
CREATE INDEX deliveries_by_dm ON deliveries (channel, ts);

INSERT INTO sources SELECT * FROM sources_copy;
INSERT INTO outbox SELECT * FROM outbox_copy;
INSERT INTO deliveries (rowid, item_id, role, slack_user, channel, ts)
  SELECT copy_rowid, item_id, role, slack_user, channel, ts FROM deliveries_copy;
DROP TABLE deliveries_copy;
DROP TABLE outbox_copy;
DROP TABLE sources_copy;
)sql"},
    {0, 4, "replies: source kind reply, deliveries by DM", R"sql(
ALTER TABLE sources DROP CONSTRAINT sources_kind_check;
ALTER TABLE sources ADD CONSTRAINT sources_kind_check
  CHECK (kind IN ('message', 'notification', 'reply'));
CREATE INDEX deliveries_by_dm ON deliveries (channel, ts);
)sql"},
    // Rows written before hold 0 until their next write; a reader caching decrypted tokens
    // compares generations instead of reading the tokens again (installation_stamp).
    {6, 5, "installation generations", R"sql(
ALTER TABLE installations ADD COLUMN generation {int64} NOT NULL DEFAULT 0;
)sql"},
    // SQLite checks a constraint written "x IN (more than two values)" by building a temporary
    // b-tree of the values each time a statement runs, which was a third of the writer's
    // instructions (every accept, claim and outcome checks the outbox's status): the constraints
    // are written as comparisons. Rebuilt as in version 5, for the same reasons, and the inbox.
    {7, 0, "constraints as comparisons", R"sql(
CREATE TABLE sources_copy AS SELECT * FROM sources;
CREATE TABLE outbox_copy AS SELECT * FROM outbox;
CREATE TABLE deliveries_copy AS SELECT rowid AS copy_rowid, * FROM deliveries;
CREATE TABLE inbox_copy AS SELECT * FROM inbox;
DROP TABLE deliveries;
DROP TABLE outbox;
DROP TABLE sources;
DROP TABLE inbox;

CREATE TABLE sources (
  kind TEXT NOT NULL CHECK (kind = 'message' OR kind = 'notification' OR kind = 'reply'),
  source_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, source_id)
) WITHOUT ROWID;
CREATE INDEX sources_by_team ON sources (team_id);
CREATE INDEX sources_by_created ON sources (created_at);

CREATE TABLE outbox (
  item_id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  source_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  role TEXT NOT NULL,
  destination TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status = 'queued' OR status = 'in_flight' OR status = 'delivered'
    OR status = 'failed' OR status = 'undeliverable' OR status = 'ignored'),
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  ordering_key TEXT NOT NULL,
  claimed_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (kind, source_id) REFERENCES sources (kind, source_id) ON DELETE CASCADE
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, item_id) WHERE status = 'queued';
CREATE INDEX outbox_unfinished_by_key ON outbox (ordering_key, item_id)
  WHERE status IN ('queued', 'in_flight');
CREATE INDEX outbox_in_flight ON outbox (item_id) WHERE status = 'in_flight';
CREATE INDEX outbox_by_source ON outbox (kind, source_id);
CREATE INDEX outbox_by_team ON outbox (team_id);

CREATE TABLE deliveries (
  item_id INTEGER NOT NULL REFERENCES outbox (item_id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  slack_user TEXT NOT NULL,
  channel TEXT NOT NULL,
  ts TEXT NOT NULL
);
CREATE INDEX deliveries_by_item ON deliveries (item_id);
CREATE INDEX deliveries_by_dm ON deliveries (channel, ts);

CREATE TABLE inbox (
  inbox_id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  team_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status = 'pending' OR status = 'in_flight' OR status = 'done'),
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX inbox_due ON inbox (next_attempt_at, inbox_id) WHERE status = 'pending';
CREATE INDEX inbox_in_flight ON inbox (inbox_id) WHERE status = 'in_flight';
CREATE INDEX inbox_done ON inbox (received_at, inbox_id) WHERE status = 'done';

INSERT INTO sources SELECT * FROM sources_copy;
INSERT INTO outbox SELECT * FROM outbox_copy;
INSERT INTO deliveries (rowid, item_id, role, slack_user, channel, ts)
  SELECT copy_rowid, item_id, role, slack_user, channel, ts FROM deliveries_copy;
INSERT INTO inbox SELECT * FROM inbox_copy;
DROP TABLE inbox_copy;
DROP TABLE deliveries_copy;
DROP TABLE outbox_copy;
DROP TABLE sources_copy;
)sql"},
    // Each item's delivery partition (delivery_partition_of), written at accept, so that a claim
    // tests a column instead of computing it from team_id for every row it looks at (a third of
    // a claim's instructions). NULL for items written before: those are still derived in SQL.
    {8, 6, "delivery partition per outbox item", R"sql(
ALTER TABLE outbox ADD COLUMN delivery_partition INTEGER;
)sql"},
    // Every accept paid for this index (a random leaf page per item, ~7% of an accept's
    // instructions) while only a workspace's admin reads and its purge used it: those reach a
    // workspace's items through its sources (sources_by_team, then outbox_by_source), whose
    // team is the items' own, both written by the one accept.
    {9, 7, "outbox without a team index", R"sql(
DROP INDEX outbox_by_team;
)sql"},
};

std::string substituted(std::string_view text, const Dialect& dialect) {
  const std::pair<std::string_view, std::string_view> placeholders[] = {
      {"{int64}", dialect.int64_type},
      {"{serial_key}", dialect.serial_key},
      {"{blob}", dialect.blob_type},
      {"{without_rowid}", dialect.without_rowid},
      {"{delivery_key}", dialect.delivery_key_column},
  };
  std::string out(text);
  for (const auto& [name, value] : placeholders) {
    for (std::size_t at = out.find(name); at != std::string::npos; at = out.find(name, at)) {
      out.replace(at, name.size(), value);
      at += value.size();
    }
  }
  return out;
}

}  // namespace

std::vector<Migration> store_migrations(const Dialect& dialect) {
  const bool sqlite = dialect.engine == Dialect::Engine::sqlite;
  std::vector<Migration> migrations;
  for (const Step& step : kSteps) {
    const int version = sqlite ? step.sqlite_version : step.postgres_version;
    if (version == 0) continue;
    if (!migrations.empty() && migrations.back().version == version) {
      migrations.back().sql += substituted(step.sql, dialect);
    } else {
      migrations.push_back(
          {version, std::string(step.description), substituted(step.sql, dialect)});
    }
  }
  return migrations;
}

}  // namespace bridgebot::store::sql
