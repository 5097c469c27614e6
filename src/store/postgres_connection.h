// A thin layer over libpq: one connection with text parameters (bytea as binary), results read
// by column, errors turned into bridgebot Errors, and a pool that hands each call a connection
// inside a transaction, retried when PostgreSQL reports a serialization failure or deadlock.
//
// Thread safety: a Connection is used by one thread at a time; the Pool is thread-safe.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/store/types.h"

namespace bridgebot::store::postgres {

// Positional parameters $1, $2, … in the order added.
class Params {
 public:
  Params& text(std::string_view value);
  Params& integer(std::int64_t value);
  Params& integer(std::optional<std::int64_t> value);  // nullopt: NULL
  Params& blob(const Blob& value);                     // empty: NULL
  Params& null();

 private:
  friend class Connection;
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary
};

// The rows of one statement. Columns from 0.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  std::int64_t affected() const;  // rows an INSERT/UPDATE/DELETE changed
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optional_integer(int row, int column) const;
  Blob blob(int row, int column) const;  // a bytea column; NULL: empty

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection {
 public:
  // Connects; the error names the database but never the password.
  static Result<std::unique_ptr<Connection>> open(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement. Errors: "store_busy" (serialization failure or deadlock: transient),
  // "store_error" otherwise with PostgreSQL's message (transient when the connection was lost).
  Result<Rows> exec(std::string_view sql, const Params& params = {});
  // Runs several statements without parameters (schema changes).
  Status exec_script(const std::string& sql);
  // Whether the last error left the connection unusable (it is then reset before reuse).
  bool broken() const;
  void reset();
  const std::string& where() const { return where_; }

 private:
  Connection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  PGconn* conn_;
  std::string where_;  // "database D on H", for messages
};

class Pool {
 public:
  Pool(std::vector<std::unique_ptr<Connection>> connections);

  // Runs `work` inside BEGIN … COMMIT on a free connection (waiting for one); rolls back when
  // `work` fails. A transient failure (serialization, deadlock) is retried a few times.
  Status transaction(const std::function<Status(Connection&)>& work);
  // Runs `work` on a free connection without a transaction (single-statement reads).
  Status read(const std::function<Status(Connection&)>& work);

 private:
  Connection& take();
  void give_back(Connection& connection);

  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;  // guarded by mutex_
};

}  // namespace bridgebot::store::postgres
