#include <sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "../src/store/migrations.h"
#include "../src/store/sql_schema.h"
#include "../src/store/sqlite_connection.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace bridgebot::store;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir : bridgebot::test::TempDir {
  TempDir() : bridgebot::test::TempDir("store_migrations") {}
};

// Sets the recorded schema version with plain SQLite, as a newer bridgebot would have.
void set_file_schema_version(const fs::path& file, int version) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  std::string sql = "INSERT INTO schema_version (version) VALUES (" + std::to_string(version) + ")";
  REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("A new file gets the latest schema and keeps its data across reopen", "[store]") {
  TempDir dir;
  auto file = (dir.path / "bridge.db").string();
  {
    auto store = open_sqlite_store(file);
    REQUIRE(store.ok());
    Installation installation;
    installation.team_id = "T1";
    REQUIRE((*store)->put_installation(installation).ok());
    Link link{"T1", "p-bob", "U2", "bob@example.com", 100, std::nullopt};
    REQUIRE((*store)->put_link(link).ok());
  }
  auto reopened = open_sqlite_store(file);
  REQUIRE(reopened.ok());
  auto link = (*reopened)->get_link("T1", "p-bob");
  REQUIRE(link.ok());
  REQUIRE(link->has_value());
  CHECK((*link)->slack_user_id == "U2");

  auto connection = bridgebot::store::sqlite::Connection::open(file, std::chrono::seconds(1));
  REQUIRE(connection.ok());
  auto version = bridgebot::store::sql::schema_version(**connection);
  REQUIRE(version.ok());
  CHECK(*version == sqlite_schema_version());
}

TEST_CASE("A file from a newer bridgebot is refused and left untouched", "[store]") {
  TempDir dir;
  auto file = dir.path / "bridge.db";
  { REQUIRE(open_sqlite_store(file.string()).ok()); }
  set_file_schema_version(file, sqlite_schema_version() + 1);

  auto refused = open_sqlite_store(file.string());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "store_schema_too_new");
  CHECK(refused.error().message.find(file.string()) != std::string::npos);
  // Still refused: the failed open did not rewrite the version.
  CHECK(open_sqlite_store(file.string()).error().code == "store_schema_too_new");
}

TEST_CASE("Opening a file in a missing directory fails naming the file", "[store]") {
  auto refused = open_sqlite_store("/nonexistent-dir/for/bridgebot/bridge.db");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "store_error");
  CHECK(refused.error().message.find("/nonexistent-dir/for/bridgebot/bridge.db") !=
        std::string::npos);
}

namespace migrations_test {
using bridgebot::store::sql::Migration;
using bridgebot::store::sqlite::Connection;
using Migrations = std::vector<Migration>;

const Migrations kV1 = {{1, "notes", "CREATE TABLE notes (text TEXT NOT NULL)"}};
const Migrations kV1V2 = {
    {1, "notes", "CREATE TABLE notes (text TEXT NOT NULL)"},
    {2, "note authors", "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown'"}};
const Migrations kV1Broken = {
    {1, "notes", "CREATE TABLE notes (text TEXT NOT NULL)"},
    {2, "half applied", "CREATE TABLE extra (x); CREATE TABLE notes (duplicate)"}};

bridgebot::Status migrate(Connection& connection, const Migrations& migrations) {
  return bridgebot::store::sql::migrate(connection, bridgebot::store::sqlite::kDialect, migrations,
                                        "the test file");
}

// The migrations of `all` up to `version`: a file as that bridgebot left it.
Migrations up_to(const Migrations& all, int version) {
  Migrations out;
  for (const auto& migration : all) {
    if (migration.version <= version) out.push_back(migration);
  }
  return out;
}

int version_of(Connection& connection) {
  auto version = bridgebot::store::sql::schema_version(connection);
  REQUIRE(version.ok());
  return *version;
}

// The first column of the first row of `sql`.
std::string first_value(Connection& connection, const char* sql) {
  std::string value;
  auto ran = connection.exec(sql, {}, [&](const bridgebot::store::sql::Row& row) {
    if (value.empty()) value = row.text(0);
  });
  REQUIRE(ran.ok());
  return value;
}

}  // namespace migrations_test

TEST_CASE("An older file is upgraded in order and keeps its rows", "[store]") {
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "old.db").string();
  {
    auto old = Connection::open(file, std::chrono::seconds(1));
    REQUIRE(old.ok());
    REQUIRE(migrate(**old, kV1).ok());
    REQUIRE((*old)->exec_script("INSERT INTO notes (text) VALUES ('kept')").ok());
  }
  auto upgraded = Connection::open(file, std::chrono::seconds(1));
  REQUIRE(upgraded.ok());
  REQUIRE(migrate(**upgraded, kV1V2).ok());
  CHECK(version_of(**upgraded) == 2);
  CHECK(first_value(**upgraded, "SELECT text FROM notes") == "kept");
  CHECK(first_value(**upgraded, "SELECT author FROM notes") == "unknown");
}

TEST_CASE("A failing migration leaves the file at the last complete version", "[store]") {
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "broken.db").string();
  auto connection = Connection::open(file, std::chrono::seconds(1));
  REQUIRE(connection.ok());
  bridgebot::Status migrated = migrate(**connection, kV1Broken);
  REQUIRE_FALSE(migrated.ok());
  CHECK(migrated.error().message.find("half applied") != std::string::npos);
  CHECK(version_of(**connection) == 1);
  // The half-applied statements of migration 2 were rolled back.
  CHECK_FALSE((*connection)->exec_script("SELECT * FROM extra").ok());
}

TEST_CASE("The replies migration rebuilds sources without losing the outbox hanging off it",
          "[store][replies]") {
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "before_replies.db").string();
  const Migrations all = sql::store_migrations(sqlite::kDialect);
  auto db = Connection::open(file, std::chrono::seconds(1));
  REQUIRE(db.ok());
  REQUIRE(migrate(**db, up_to(all, 4)).ok());  // before the replies one
  REQUIRE(
      (*db)
          ->exec_script("INSERT INTO sources VALUES ('message', 'msg-1', 'T1', 'queued', '', 1);"
                        "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, "
                        "status, reason, attempts, next_attempt_at, ordering_key, claimed_by, "
                        "created_at) VALUES ('message', 'msg-1', 'T1', 'recipient', 'p-bob', '{}', "
                        "'delivered', '', 1, 1, 'k', '', 1);"
                        "INSERT INTO deliveries VALUES (1, 'recipient', 'U2', 'D2', '1.000100');")
          .ok());
  REQUIRE(migrate(**db, all).ok());
  auto count = [&](const char* sql) { return std::stoi(first_value(**db, sql)); };
  CHECK(count("SELECT COUNT(*) FROM sources") == 1);
  CHECK(count("SELECT COUNT(*) FROM outbox") == 1);
  CHECK(count("SELECT COUNT(*) FROM deliveries WHERE channel = 'D2'") == 1);
  // The reply kind is allowed now, and the outbox still cascades from the new table.
  CHECK(
      (*db)
          ->exec_script("INSERT INTO sources VALUES ('reply', 'T1:D1:1.1', 'T1', 'queued', '', 1)")
          .ok());
  CHECK_FALSE(
      (*db)->exec_script("INSERT INTO sources VALUES ('other', 'x', 'T1', 'queued', '', 1)").ok());
  REQUIRE((*db)->exec_script("DELETE FROM sources WHERE source_id = 'msg-1'").ok());
  CHECK(count("SELECT COUNT(*) FROM outbox") == 0);
  CHECK(count("SELECT COUNT(*) FROM deliveries") == 0);
}

TEST_CASE("Installations from before generations are kept and get one at their next write",
          "[store][installations]") {
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "before_generations.db").string();
  {
    auto db = Connection::open(file, std::chrono::seconds(1));
    REQUIRE(db.ok());
    REQUIRE(migrate(**db, up_to(sql::store_migrations(sqlite::kDialect), 5)).ok());
    REQUIRE((*db)
                ->exec_script(
                    "INSERT INTO installations VALUES ('T1', '', 'acme', 'Acme', 'UBOT', 'B1', "
                    "'A1', 'chat:write', x'01', NULL, NULL, 0, '', '', '', NULL, '', 1, 'active', "
                    "1, 2)")
                .ok());
  }
  auto store = open_sqlite_store(file);
  REQUIRE(store.ok());
  auto kept = (*store)->get_installation("T1");
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->domain == "acme");
  CHECK((*kept)->generation == 0);
  auto stamp = (*store)->installation_stamp("T1");
  REQUIRE(stamp.ok());
  REQUIRE(stamp->has_value());
  CHECK((*stamp)->state == InstallationState::active);
  CHECK((*stamp)->generation == 0);

  REQUIRE((*store)->put_installation(**kept).ok());
  auto written = (*store)->installation_stamp("T1");
  REQUIRE(written.ok());
  CHECK((*written)->generation != 0);
}

TEST_CASE("Rewriting the constraints as comparisons keeps every row, the cascades and the checks",
          "[store][migrations]") {
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "before_comparisons.db").string();
  const Migrations all = sql::store_migrations(sqlite::kDialect);
  auto db = Connection::open(file, std::chrono::seconds(1));
  REQUIRE(db.ok());
  REQUIRE(migrate(**db, up_to(all, 6)).ok());
  REQUIRE(
      (*db)
          ->exec_script(
              "INSERT INTO sources VALUES ('message', 'msg-1', 'T1', 'queued', '', 1);"
              "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, "
              "reason, attempts, next_attempt_at, ordering_key, claimed_by, created_at) VALUES "
              "('message', 'msg-1', 'T1', 'recipient', 'p-bob', '{}', 'delivered', '', 1, 1, "
              "'k', '', 1);"
              "INSERT INTO deliveries VALUES (1, 'recipient', 'U2', 'D2', '1.000100');"
              "INSERT INTO inbox (event_id, team_id, event_type, payload, status, attempts, "
              "next_attempt_at, reason, received_at) VALUES ('Ev1', 'T1', 'message', '{}', "
              "'pending', 0, 1, '', 1);")
          .ok());
  REQUIRE(migrate(**db, all).ok());
  auto count = [&](const char* sql) { return std::stoi(first_value(**db, sql)); };
  CHECK(count("SELECT COUNT(*) FROM sources") == 1);
  CHECK(count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'") == 1);
  CHECK(count("SELECT COUNT(*) FROM deliveries WHERE ts = '1.000100'") == 1);
  CHECK(count("SELECT COUNT(*) FROM inbox WHERE event_id = 'Ev1' AND status = 'pending'") == 1);
  // The checks still refuse what no bridgebot writes.
  CHECK_FALSE((*db)->exec_script("UPDATE outbox SET status = 'lost'").ok());
  CHECK_FALSE((*db)->exec_script("UPDATE inbox SET status = 'lost'").ok());
  CHECK_FALSE(
      (*db)->exec_script("INSERT INTO sources VALUES ('other', 'x', 'T1', 'queued', '', 1)").ok());
  REQUIRE((*db)->exec_script("DELETE FROM sources WHERE source_id = 'msg-1'").ok());
  CHECK(count("SELECT COUNT(*) FROM outbox") == 0);
  CHECK(count("SELECT COUNT(*) FROM deliveries") == 0);
}

TEST_CASE("The writes every message makes check their constraints without a temporary b-tree",
          "[store][migrations]") {
  // SQLite builds one per statement run for "x IN (three or more values)": a third of the
  // writer's instructions before the constraints were written as comparisons.
  using namespace migrations_test;
  TempDir dir;
  auto db = Connection::open((dir.path / "bridge.db").string(), std::chrono::seconds(1));
  REQUIRE(db.ok());
  REQUIRE(migrate(**db, sql::store_migrations(sqlite::kDialect)).ok());
  const char* writes[] = {
      "INSERT INTO sources (kind, source_id, team_id, status, reason, created_at) "
      "VALUES ('message', 'm', 'T1', 'queued', '', 1)",
      "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, reason, "
      "attempts, next_attempt_at, ordering_key, claimed_by, created_at) VALUES ('message', 'm', "
      "'T1', 'recipient', 'p', '{}', 'queued', '', 0, 1, 'k', '', 1)",
      "UPDATE outbox SET status = 'in_flight', claimed_by = 'w' WHERE item_id = 1",
      "UPDATE outbox SET status = 'delivered', reason = '', claimed_by = '' "
      "WHERE item_id = 1 AND status = 'in_flight' AND claimed_by = 'w'",
      "UPDATE inbox SET status = 'done' WHERE inbox_id = 1",
  };
  for (const char* write : writes) {
    INFO(write);
    int temporary_trees = 0;
    REQUIRE((*db)
                ->exec(std::string("EXPLAIN ") + write, {},
                       [&](const sql::Row& row) {
                         if (row.text(1) == "OpenEphemeral") ++temporary_trees;
                       })
                .ok());
    CHECK(temporary_trees == 0);
  }
}

TEST_CASE("Items queued before partitions were stored are delivered by their workspace's partition",
          "[store][migrations][partitions]") {
  // A rolling upgrade (or a file from before schema 8) has items without delivery_partition: the
  // claim and the takeover derive theirs from the team id, as the items written since say.
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "before_partitions.db").string();
  const std::string team = "T0A1B2C3D";
  const int partition = delivery_partition_of(team);
  const PartitionMask mine = PartitionMask{1} << partition;
  {
    auto db = Connection::open(file, std::chrono::seconds(1));
    REQUIRE(db.ok());
    REQUIRE(migrate(**db, up_to(sql::store_migrations(sqlite::kDialect), 7)).ok());
    const std::string item =
        "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, "
        "reason, attempts, next_attempt_at, ordering_key, claimed_by, created_at) VALUES "
        "('message', 'msg-1', '" +
        team + "', 'recipient', 'p-bob', '{}', ";
    REQUIRE((*db)
                ->exec_script("INSERT INTO installations VALUES ('" + team +
                              "', '', 'acme', 'Acme', 'UBOT', 'B1', 'A1', 'chat:write', x'01', "
                              "NULL, NULL, 0, '', '', '', NULL, '', 1, 'active', 1, 2, 0);"
                              "INSERT INTO sources VALUES ('message', 'msg-1', '" +
                              team + "', 'queued', '', 1);" + item +
                              "'in_flight', '', 0, 1, 'k1', 'gone-owner', 1);" + item +
                              "'queued', '', 0, 1, 'k2', '', 1);")
                .ok());
  }
  auto store = open_sqlite_store(file);
  REQUIRE(store.ok());
  auto others = (*store)->claim_due(10, 10, "me", kAllPartitions & ~mine);
  REQUIRE(others.ok());
  CHECK(others->empty());
  CHECK(*(*store)->recover_in_flight(kAllPartitions & ~mine, "me") == 0);

  CHECK(*(*store)->recover_in_flight(mine, "me") == 1);
  AcceptRequest request;
  request.source_id = "msg-2";
  request.team_id = team;
  request.now = 5;
  request.items.push_back({"recipient", "p-carol", "{}", "k3", 5});
  REQUIRE((*store)->accept(request).ok());
  auto claimed = (*store)->claim_due(10, 10, "me", mine);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 3);  // the recovered one, the old queued one and the new one
  for (const auto& item : *claimed) CHECK(item.partition == partition);
}

TEST_CASE("Without the outbox's team index a workspace's items are still counted and purged",
          "[store][migrations]") {
  // Schema 9 drops outbox_by_team, which every accept wrote: the admin's count and the purge
  // reach a workspace's items through its sources instead.
  using namespace migrations_test;
  TempDir dir;
  auto file = (dir.path / "before_team_index.db").string();
  {
    auto db = Connection::open(file, std::chrono::seconds(1));
    REQUIRE(db.ok());
    REQUIRE(migrate(**db, up_to(sql::store_migrations(sqlite::kDialect), 8)).ok());
    std::string rows;
    for (const std::string team : {"T1", "T2"}) {
      const std::string item =
          "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, "
          "reason, attempts, next_attempt_at, ordering_key, claimed_by, created_at) VALUES "
          "('message', 'msg-" +
          team + "', '" + team + "', 'recipient', 'p-bob', '{}', ";
      rows += "INSERT INTO sources VALUES ('message', 'msg-" + team + "', '" + team +
              "', 'queued', '', 1);" + item + "'delivered', '', 1, 1, 'k1', '', 1);" + item +
              "'queued', '', 0, 1, 'k2', '', 1);" +
              "INSERT INTO deliveries VALUES ((SELECT MAX(item_id) - 1 FROM outbox), "
              "'recipient', 'U2', 'D2', '1.000100');";
    }
    REQUIRE((*db)->exec_script(rows).ok());
  }
  auto store = open_sqlite_store(file);
  REQUIRE(store.ok());
  {
    auto db = Connection::open(file, std::chrono::seconds(1));
    REQUIRE(db.ok());
    CHECK(first_value(**db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'outbox_by_team'") ==
          "0");
  }
  CHECK((*store)->team_usage("T1")->queued_items == 1);
  auto purged = (*store)->purge_team("T1", 10);
  REQUIRE(purged.ok());
  CHECK(purged->sources == 1);
  CHECK(purged->outbox_items == 2);
  CHECK(purged->deliveries == 1);
  CHECK((*store)->team_usage("T1")->queued_items == 0);
  CHECK((*store)->team_usage("T2")->queued_items == 1);
  auto kept = (*store)->source_status(SourceKind::message, "msg-T2");
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->deliveries.size() == 1);
}
