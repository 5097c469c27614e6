// What SqlStore needs from a database engine, implemented for SQLite (sqlite_connection.h) and
// libpq (postgres_connection.h): statements with typed parameters and typed column reads, units
// of work in a transaction, reads, and the Dialect naming the few things the engines do apart.
//
// Parameters are written $1, $2, … in every SQL text: PostgreSQL's positional form, which SQLite
// reads as named parameters (bound by name, so a text may use them in any order).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/store/types.h"

namespace bridgebot::store::sql {

// The values of $1, $2, … in the order added.
class Params {
 public:
  struct Value {
    enum class Kind { null, text, integer, blob } kind = Kind::null;
    std::string bytes;        // text, or a blob's bytes
    std::int64_t number = 0;  // integer
  };

  Params& text(std::string_view value) { return add({Value::Kind::text, std::string(value), 0}); }
  Params& integer(std::int64_t value) { return add({Value::Kind::integer, {}, value}); }
  Params& integer(std::optional<std::int64_t> value) { return value ? integer(*value) : null(); }
  Params& blob(const Blob& value) {  // empty: NULL
    if (value.empty()) return null();
    return add({Value::Kind::blob, std::string(value.begin(), value.end()), 0});
  }
  Params& null() { return add({}); }

  const std::vector<Value>& values() const { return values_; }

 private:
  Params& add(Value value) {
    // Room for every statement on a message's way at once (accept's item insert has 12):
    // growing one at a time moved every value again at 1, 2, 4 and 8, 2.6% of the store
    // writer's instructions.
    if (values_.empty()) values_.reserve(12);
    values_.push_back(std::move(value));
    return *this;
  }
  std::vector<Value> values_;
};

// One result row, valid only inside the OnRow call that receives it. Columns from 0.
class Row {
 public:
  virtual std::string text(int column) const = 0;  // NULL: ""
  virtual std::int64_t integer(int column) const = 0;
  virtual Blob blob(int column) const = 0;  // NULL: empty
  virtual bool is_null(int column) const = 0;
  std::optional<std::int64_t> optional_integer(int column) const {
    if (is_null(column)) return std::nullopt;
    return integer(column);
  }

 protected:
  ~Row() = default;
};

// A borrowed callable taking each row: the callee calls it but never keeps it, so passing a
// lambda allocates nothing.
class OnRow {
 public:
  OnRow() = default;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, OnRow>>>
  OnRow(F&& f)  // NOLINT(google-explicit-constructor): passed as a lambda
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* object, const Row& row) {
          (*static_cast<std::remove_reference_t<F>*>(object))(row);
        }) {}
  explicit operator bool() const { return call_ != nullptr; }
  void operator()(const Row& row) const { call_(object_, row); }

 private:
  void* object_ = nullptr;
  void (*call_)(void*, const Row&) = nullptr;
};

// One connection's statements. Errors: "store_busy" (transient lock or serialization conflict)
// or "store_error", naming the database.
class Session {
 public:
  // Runs one statement, handing each result row to `on_row` (which must not run statements).
  // Returns how many rows an INSERT, UPDATE or DELETE changed; a query's rows come to on_row.
  virtual Result<std::int64_t> exec(std::string_view sql, const Params& params = {},
                                    OnRow on_row = {}) = 0;
  // Runs several statements without parameters (schema changes, BEGIN/COMMIT).
  virtual Status exec_script(const std::string& sql) = 0;
  // The key the last INSERT gave its row, where the engine keeps it (SQLite's rowid): read from
  // the connection, without a statement. Engines without it (PostgreSQL) return 0, and the SQL
  // returns the key instead (Dialect::returning_item_id).
  virtual std::int64_t last_insert_rowid() { return 0; }

 protected:
  ~Session() = default;
};

// What the two engines do apart, each named once.
struct Dialect {
  // Appended to the check that a workspace is active before its data is written: PostgreSQL
  // locks the installation row so that a concurrent purge_team waits (and the write then sees
  // the workspace revoked); SQLite's writer holds the whole database until it commits.
  std::string_view share_lock;
  // Run first by claim_due: PostgreSQL replicas claim one at a time, since "the head of its
  // ordering key" reads rows other claimers are changing. SQLite has one writer already.
  std::string_view claim_lock;
  // How claim_due marks the items it picked in_flight for owner $2. PostgreSQL: all at once, $1
  // their ids as an array ("{1,2}"). SQLite: one row per run, $1 its id, since a multi-row
  // UPDATE there pays for a statement journal and one by rowid does not.
  std::string_view mark_claimed;
  bool marks_one_claim_per_run;
  // Finishes as delivered (no reason) each item listed in $1 ("1,2,3") that is in flight for
  // owner $2: one statement for a batch of outcomes instead of one per item.
  std::string_view deliver_listed;
  // Run by an accept that may take its items for delivery (AcceptRequest::claim), once per
  // ordering key ($1) and before it looks whether that key has unfinished items. PostgreSQL
  // locks the key until the transaction ends: a concurrent accept of the same key waits, then
  // sees this one's item, where both would otherwise see none and both take theirs. SQLite's
  // one writer runs accepts one after the other already.
  std::string_view key_lock;
  // How accept learns an inserted outbox item's id: PostgreSQL appends returning_item_id to the
  // INSERT; where it is empty (SQLite: RETURNING there costs a temporary table and a statement
  // journal per row) the id is Session::last_insert_rowid().
  std::string_view returning_item_id;
  // The deliveries column that grows with insertion (deliveries are reported in that order).
  std::string_view delivery_order;
  // The function giving a character's code (delivery partitions, sql_store.cpp).
  std::string_view char_code;
  // Opens a schema migration's transaction, excluding other processes migrating the same
  // database until it commits.
  std::string_view begin_migration;
  // Schema types: an int64, an int64 primary key the database assigns, a byte string.
  std::string_view int64_type;
  std::string_view serial_key;
  std::string_view blob_type;
  // SQLite's clustered tables, for the tables keyed by their primary key.
  std::string_view without_rowid;
  // A column giving deliveries their insertion order where the engine has no rowid.
  std::string_view delivery_key_column;
  // Which schema history a database has (sql_schema.cpp): the engines' versions differ.
  enum class Engine { sqlite, postgres } engine;
};

// A database SqlStore runs on. write() and read() may be called from any number of threads.
class Database {
 public:
  using Work = std::function<Status(Session&)>;
  using Done = std::function<void(Status)>;
  virtual ~Database() = default;

  // Runs `work` in a transaction and returns once it is durable (ok) or rolled back (its error).
  // `work` may run more than once (PostgreSQL retries a serialization failure), so it must set
  // every output it fills from scratch.
  virtual Status write(const Work& work) = 0;
  // As write(), but it may return before the commit is on disk: a crash of bridgebot loses
  // nothing, a power loss or OS crash may lose it until the next write() (which syncs it too).
  // Only for writes whose loss is harmless: a lost claim leaves its items queued, to be sent
  // again, as items left in flight by any crash are. Saves a claim its fsync (one of the three
  // on a message's way).
  virtual Status write_unsynced(const Work& work) = 0;
  // As write(), with the result given to `done` (once). Where writes_async() (SQLite's group
  // commit), it returns at once and `done` runs on the writer thread after the commit, so it
  // must be short and never block; elsewhere it blocks as write() does and calls `done` before
  // returning.
  virtual void write_async(Work work, Done done) { done(write(work)); }
  virtual bool writes_async() const { return false; }
  // Runs `work` on a connection that sees every write whose call has returned.
  virtual Status read(const Work& work) = 0;
  virtual StoreStats stats() const = 0;
  virtual const Dialect& dialect() const = 0;
};

}  // namespace bridgebot::store::sql
