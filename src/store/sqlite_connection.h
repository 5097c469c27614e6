// A thin RAII layer over one sqlite3 connection: opening with bridgebot's pragmas, a cache of
// prepared statements, and SQLite result codes turned into bridgebot Errors naming the file.
//
// Thread safety: none. A Connection is used by one thread at a time (the writer thread, or a
// reader holding the owner's mutex).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bridgebot/core/result.h"
#include "bridgebot/store/types.h"

namespace bridgebot::store::sqlite {

class Connection;

// A cached prepared statement in use. Borrowed from its Connection's cache; destroying the
// Statement resets it and clears its bindings so the next user starts clean. Must not outlive the
// Connection. Parameter and column indexes follow SQLite: parameters from 1, columns from 0.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept
      : connection_(other.connection_), stmt_(other.stmt_), bind_error_(other.bind_error_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, const Blob& blob);  // an empty blob binds NULL
  Statement& bind(int index, std::optional<std::int64_t> value);
  Statement& bind_null(int index);

  // Advances to the next row: true when a row is available, false when done.
  Result<bool> step();
  // Runs a statement that returns no rows, then resets it so it can be bound and run again
  // (bindings are kept until rebound).
  Status run();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  Blob blob(int column) const;
  bool is_null(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;

 private:
  // Records the first bind failure; step()/run() report it.
  void check_bind(int rc);

  Connection* connection_;
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens `path` (creating it) in WAL mode with synchronous=FULL, foreign keys and busy_timeout.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  std::chrono::milliseconds busy_timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The statement for `sql`, compiled on first use and cached for the life of the Connection.
  // `sql` must be a single statement; a compile error is a bug and is returned as store_error.
  Result<Statement> prepare(std::string_view sql);
  // Runs one or more statements without caching (schema, pragmas, BEGIN/COMMIT).
  Status exec(const std::string& sql);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;

  // An Error for SQLite result code `rc`: "store_busy" (transient) for lock timeouts, else
  // "store_error"; the message names the file and what was being done.
  Error error(int rc, std::string_view doing) const;
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // Lets the cache be searched with a string_view, so a hit allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

}  // namespace bridgebot::store::sqlite
