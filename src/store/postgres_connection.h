// libpq as a sql::Session: one connection with text parameters (bytea as binary), errors turned
// into bridgebot Errors naming the database (never the password), and a pool that hands each
// call a connection, for writes inside a transaction retried when PostgreSQL reports a
// serialization failure or deadlock.
//
// Thread safety: a Connection is used by one thread at a time; the Pool is thread-safe.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"
#include "sql_session.h"

namespace bridgebot::store::postgres {

inline constexpr sql::Dialect kDialect{
    .share_lock = " FOR SHARE",
    // Transaction-scoped, so a crashed claimer's lock goes with its connection.
    .claim_lock = "SELECT pg_advisory_xact_lock(7340022)",
    .mark_claimed =
        "UPDATE outbox SET status = 'in_flight', claimed_by = $2 WHERE item_id = ANY($1::bigint[])",
    .marks_one_claim_per_run = false,
    .deliver_listed =
        "UPDATE outbox SET status = 'delivered', reason = '', claimed_by = '' "
        "WHERE item_id = ANY(CAST(string_to_array(CAST($1 AS TEXT), ',') AS BIGINT[])) "
        "AND status = 'in_flight' AND claimed_by = $2",
    // Keyed by a hash of the key: a collision only makes two keys' accepts wait for each other.
    .key_lock = "SELECT pg_advisory_xact_lock(hashtextextended($1, 7340023))",
    .returning_item_id = " RETURNING item_id",
    .delivery_order = "d.delivery_id",
    .char_code = "ascii",
    .begin_migration = "BEGIN; SELECT pg_advisory_xact_lock(7340021)",
    .int64_type = "BIGINT",
    .serial_key = "BIGSERIAL PRIMARY KEY",
    .blob_type = "BYTEA",
    .without_rowid = "",
    .delivery_key_column = "\n  delivery_id BIGSERIAL PRIMARY KEY,",
    .engine = sql::Dialect::Engine::postgres,
};

class Connection final : public sql::Session {
 public:
  // Connects; the error names the database but never the password.
  static Result<std::unique_ptr<Connection>> open(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Errors: "store_busy" (serialization failure or deadlock: transient), "store_error"
  // otherwise with PostgreSQL's message (transient when the connection was lost).
  Result<std::int64_t> exec(std::string_view sql, const sql::Params& params = {},
                            sql::OnRow on_row = {}) override;
  Status exec_script(const std::string& sql) override;
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
  explicit Pool(std::vector<std::unique_ptr<Connection>> connections);

  // Runs `work` inside BEGIN … COMMIT on a free connection (waiting for one); rolls back when
  // `work` fails. A transient failure (serialization, deadlock) is retried a few times.
  Status transaction(const sql::Database::Work& work);
  // Runs `work` on a free connection without a transaction.
  Status read(const sql::Database::Work& work);

 private:
  Connection& take();
  void give_back(Connection& connection);

  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;  // guarded by mutex_
};

}  // namespace bridgebot::store::postgres
