// One sqlite3 connection as a sql::Session: opened with bridgebot's pragmas, its statements
// prepared once and cached, SQLite result codes turned into bridgebot Errors naming the file.
//
// Thread safety: none. A Connection is used by one thread at a time (the writer thread, or a
// reader borrowing it from the ReaderPool).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridgebot/core/result.h"
#include "sql_session.h"

namespace bridgebot::store::sqlite {

inline constexpr sql::Dialect kDialect{
    .share_lock = "",
    .claim_lock = "",
    .mark_claimed = "UPDATE outbox SET status = 'in_flight', claimed_by = $2 WHERE item_id = $1",
    .marks_one_claim_per_run = true,
    .deliver_listed =
        "UPDATE outbox SET status = 'delivered', reason = '', claimed_by = '' "
        "WHERE item_id IN (SELECT value FROM json_each('[' || $1 || ']')) "
        "AND status = 'in_flight' AND claimed_by = $2",
    .key_lock = "",
    .returning_item_id = "",
    .delivery_order = "d.rowid",
    .char_code = "unicode",
    .begin_migration = "BEGIN IMMEDIATE",
    .int64_type = "INTEGER",
    .serial_key = "INTEGER PRIMARY KEY",
    .blob_type = "BLOB",
    .without_rowid = " WITHOUT ROWID",
    .delivery_key_column = "",
    .engine = sql::Dialect::Engine::sqlite,
};

class Connection final : public sql::Session {
 public:
  // How a connection writes the WAL: each frame as SQLite does (two write calls), or gathered
  // into one call per transaction (sqlite_wal_writes.h), for the connection that writes most.
  enum class WalWrites { direct, gathered };

  // Opens `path` (creating it) in WAL mode with synchronous=FULL, foreign keys and busy_timeout.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  std::chrono::milliseconds busy_timeout,
                                                  WalWrites wal_writes = WalWrites::direct);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // `sql` must be a single statement; it is compiled on first use and cached for the life of the
  // Connection (a compile error is a bug, returned as store_error).
  Result<std::int64_t> exec(std::string_view sql, const sql::Params& params = {},
                            sql::OnRow on_row = {}) override;
  Status exec_script(const std::string& sql) override;
  std::int64_t last_insert_rowid() override { return sqlite3_last_insert_rowid(db_); }

  // Called after each commit with the WAL's size in pages, on the committing thread; replaces
  // SQLite's automatic checkpoint (wal_autocheckpoint). `hook` returns an SQLite result code.
  using WalHook = int (*)(void* context, sqlite3* db, const char* schema, int wal_pages);
  void set_wal_hook(WalHook hook, void* context);
  // Copies what the WAL holds into the database file, as far as no reader still needs it, and
  // syncs the file (SQLITE_CHECKPOINT_PASSIVE: waits for no one). Safe on a connection of its own
  // while another commits.
  Status checkpoint();

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // A compiled statement, and for each of its parameters (in SQLite's order) the index of the
  // Params value it takes: "$n" takes value n - 1.
  struct Statement {
    sqlite3_stmt* stmt = nullptr;
    std::vector<std::size_t> values;
  };
  Result<const Statement*> prepare(std::string_view sql);
  // An Error for SQLite result code `rc`: "store_busy" (transient) for lock timeouts, else
  // "store_error"; the message names the file and what was being done.
  Error error(int rc, std::string_view doing) const;

  // Lets the cache be searched with a string_view, so a hit allocates nothing. The hash reads
  // the length and four 8-byte words, not the whole text (the store's statements run to
  // hundreds of characters, and hashing them all was most of an exec's own cost): texts that
  // share these only share a bucket, and the map still compares them whole.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const;
  };

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, Statement, SqlHash, std::equal_to<>> statements_;
};

}  // namespace bridgebot::store::sqlite
