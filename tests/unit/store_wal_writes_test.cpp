#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "../src/store/sqlite_connection.h"
#include "support/temp_dir.h"

using namespace bridgebot::store;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<sqlite::Connection> open(const fs::path& file,
                                         sqlite::Connection::WalWrites writes) {
  auto opened = sqlite::Connection::open(file.string(), std::chrono::seconds(1), writes);
  REQUIRE(opened.ok());
  return std::move(*opened);
}

std::int64_t count(sqlite::Connection& connection) {
  std::int64_t rows = -1;
  auto ran = connection.exec("SELECT COUNT(*) FROM t", {},
                             [&](const sql::Row& row) { rows = row.integer(0); });
  REQUIRE(ran.ok());
  return rows;
}

// Inserts `rows` rows of `bytes` bytes each in one transaction.
void insert(sqlite::Connection& connection, int rows, int bytes) {
  REQUIRE(connection.exec_script("BEGIN IMMEDIATE").ok());
  for (int i = 0; i < rows; ++i) {
    REQUIRE(connection.exec("INSERT INTO t (v) VALUES (zeroblob($1))", sql::Params().integer(bytes))
                .ok());
  }
  REQUIRE(connection.exec_script("COMMIT").ok());
}

}  // namespace

// The writer's connection keeps WAL frames in memory until its transaction ends. What a commit
// wrote must be in the WAL file when the commit returns, synced or not: other connections read
// it from there, and after a crash SQLite recovers the WAL file as it finds it.
TEST_CASE("Each commit's WAL frames are in the file when the commit returns, synced or not",
          "[store][sqlite][wal]") {
  bridgebot::test::TempDir dir("store_wal_writes");
  const fs::path file = dir.path / "bridge.db";
  auto writer = open(file, sqlite::Connection::WalWrites::gathered);
  auto reader = open(file, sqlite::Connection::WalWrites::direct);
  REQUIRE(writer->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)").ok());

  std::int64_t expected = 0;
  for (const char* sync : {"FULL", "NORMAL"}) {
    REQUIRE(writer->exec_script(std::string("PRAGMA synchronous = ") + sync).ok());
    // One row; a transaction of a few pages; one of ~2.5 MB, more than the VFS gathers at once
    // and than SQLite's unix VFS writes per call.
    for (const auto& [rows, bytes] : {std::pair{1, 100}, {20, 1000}, {600, 4000}}) {
      INFO("synchronous=" << sync << ", " << rows << " rows of " << bytes << " bytes");
      insert(*writer, rows, bytes);
      expected += rows;
      CHECK(count(*reader) == expected);

      // A copy of the files as they are now, as a crash would leave them (no -shm: SQLite
      // rebuilds the WAL index from the WAL, checking every frame's checksum).
      const fs::path copy = dir.path / ("copy-" + std::to_string(expected) + ".db");
      fs::copy_file(file, copy);
      fs::copy_file(fs::path(file.string() + "-wal"), fs::path(copy.string() + "-wal"));
      auto recovered = open(copy, sqlite::Connection::WalWrites::direct);
      CHECK(count(*recovered) == expected);
      std::string integrity;
      REQUIRE(recovered
                  ->exec("PRAGMA integrity_check", {},
                         [&](const sql::Row& row) { integrity = row.text(0); })
                  .ok());
      CHECK(integrity == "ok");
    }
  }
}
