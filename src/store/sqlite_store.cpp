// The Store on one SQLite file: SqlStore over a group-commit writer (its own connection and
// thread) and a reader connection shared under a mutex. With WAL, a read sees every write whose
// call has returned.
#include "bridgebot/store/sqlite_store.h"

#include <mutex>
#include <utility>

#include "group_commit_writer.h"
#include "migrations.h"
#include "sql_schema.h"
#include "sql_store.h"
#include "sqlite_connection.h"

namespace bridgebot::store {
namespace sqlite {
namespace {

class SqliteDatabase final : public sql::Database {
 public:
  SqliteDatabase(std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader,
                 int max_group_size)
      : writer_(std::move(writer), max_group_size), reader_(std::move(reader)) {}

  Status write(const Work& work) override { return writer_.write(work, Sync::full); }
  Status write_unsynced(const Work& work) override { return writer_.write(work, Sync::deferred); }
  void write_async(Work work, Done done) override {
    writer_.submit(std::move(work), Sync::full, std::move(done));
  }
  bool writes_async() const override { return true; }
  Status read(const Work& work) override {
    std::lock_guard lock(reader_mutex_);
    return work(*reader_);
  }
  StoreStats stats() const override { return {writer_.operations(), writer_.transactions()}; }
  const sql::Dialect& dialect() const override { return kDialect; }

 private:
  GroupCommitWriter writer_;
  std::mutex reader_mutex_;
  std::unique_ptr<Connection> reader_;  // guarded by reader_mutex_
};

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options) {
  // Reader and writer are two connections, so they must reach the same file.
  if (path.empty() || path == ":memory:") {
    return make_error("invalid_argument", "the SQLite store needs a file path, got '" + path + "'");
  }
  auto writer = sqlite::Connection::open(path, options.busy_timeout);
  if (!writer) return writer.error();
  const sql::Dialect& dialect = sqlite::kDialect;
  if (Status migrated = sql::migrate(**writer, dialect, sql::store_migrations(dialect), path);
      !migrated.ok()) {
    return migrated.error();
  }
  auto reader = sqlite::Connection::open(path, options.busy_timeout);
  if (!reader) return reader.error();
  return std::unique_ptr<Store>(new sql::SqlStore(std::make_unique<sqlite::SqliteDatabase>(
      std::move(*writer), std::move(*reader), options.max_group_size)));
}

int sqlite_schema_version() {
  return sql::store_migrations(sqlite::kDialect).back().version;
}

}  // namespace bridgebot::store
