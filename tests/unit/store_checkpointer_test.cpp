#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "../src/store/group_commit_writer.h"
#include "../src/store/sqlite_checkpointer.h"
#include "../src/store/sqlite_connection.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace bridgebot::store;
using bridgebot::Status;

namespace {

constexpr int kPages = 32;          // the checkpointer's WAL length, in pages
constexpr std::size_t kRow = 3000;  // each commit below writes at least one page
constexpr std::uintmax_t kFrame = 24 + 4096;

std::unique_ptr<sqlite::Connection> open(const std::string& path) {
  auto opened = sqlite::Connection::open(path, std::chrono::seconds(5));
  REQUIRE(opened.ok());
  return std::move(*opened);
}

// A writer whose commits hand their checkpoints to `checkpointer`, with one table to fill.
std::unique_ptr<sqlite::GroupCommitWriter> writer_for(sqlite::Checkpointer& checkpointer,
                                                      const std::string& path) {
  auto connection = open(path);
  REQUIRE(connection->exec_script("CREATE TABLE rows (body BLOB NOT NULL)").ok());
  checkpointer.attach(*connection);
  return std::make_unique<sqlite::GroupCommitWriter>(std::move(connection), 16);
}

void insert_rows(sqlite::GroupCommitWriter& writer, int count) {
  for (int i = 0; i < count; ++i) {
    Status written = writer.write(
        [](sql::Session& session) -> Status {
          auto inserted = session.exec("INSERT INTO rows (body) VALUES (zeroblob($1))",
                                       sql::Params().integer(std::int64_t{kRow}));
          return inserted ? Status::success() : Status(inserted.error());
        },
        sqlite::Sync::full);
    REQUIRE(written.ok());
  }
}

// Waits (bounded) for the checkpoint thread's first checkpoint.
bool first_checkpoint(const sqlite::Checkpointer& checkpointer) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (checkpointer.checkpoints() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return checkpointer.checkpoints() > 0;
}

}  // namespace

TEST_CASE("A commit that leaves the WAL long has the checkpoint thread copy it into the database",
          "[store][checkpoint]") {
  bridgebot::test::TempDir dir("store_checkpoint");
  const std::string path = dir.file("bridge.db");
  sqlite::Checkpointer checkpointer(open(path), kPages);
  auto writer = writer_for(checkpointer, path);
  const auto database_before = fs::file_size(path);

  // Past kPages, but short of the length at which the writer would checkpoint itself.
  insert_rows(*writer, kPages + 8);
  REQUIRE(first_checkpoint(checkpointer));

  CHECK(checkpointer.inline_checkpoints() == 0);
  // The rows committed before the checkpoint's trigger are in the database file itself now, not
  // only in the WAL. Each commit also rewrites the table's interior page, so kPages frames hold
  // about kPages / 2 rows; rows committed while the thread ran may stay in the WAL (on a busy
  // machine the thread runs at once, before the loop ends).
  CHECK(fs::file_size(path) >= database_before + (kPages / 2) * std::uintmax_t{kRow});
}

TEST_CASE("The WAL stays bounded however many commits the writer makes", "[store][checkpoint]") {
  bridgebot::test::TempDir dir("store_checkpoint");
  const std::string path = dir.file("bridge.db");
  sqlite::Checkpointer checkpointer(open(path), kPages);
  auto writer = writer_for(checkpointer, path);

  constexpr int kRows = 40 * kPages;
  insert_rows(*writer, kRows);

  // Whether the thread or (when it falls behind) the writer checkpointed, the WAL restarted
  // from its beginning instead of growing with every commit (40 times kPages here): it stays
  // near the writer's own bound (commits go on while a checkpoint runs: twice it, at most).
  const std::uintmax_t bound = 32 + 2 * sqlite::Checkpointer::kInlineFactor * kPages * kFrame;
  CHECK(fs::file_size(path + "-wal") <= bound);
  CHECK(checkpointer.checkpoints() + checkpointer.inline_checkpoints() > 0);

  // Nothing committed is lost to the checkpoints.
  writer.reset();
  auto reader = open(path);
  std::int64_t rows = 0;
  REQUIRE(reader->exec("SELECT count(*) FROM rows", {},
                       [&](const sql::Row& row) { rows = row.integer(0); }));
  CHECK(rows == kRows);
}
