// The Store on one SQLite file: SqlStore over a group-commit writer (its own connection and
// thread), a pool of reader connections, one per concurrent read, and a checkpointer (its own
// connection and thread) that keeps checkpoints out of the writer's commits. With WAL, a read sees
// every write whose call has returned (or whose write_async callback has run: it runs after the
// commit).
#include "bridgebot/store/sqlite_store.h"

#include <utility>

#include "group_commit_writer.h"
#include "migrations.h"
#include "sql_schema.h"
#include "sql_store.h"
#include "sqlite_checkpointer.h"
#include "sqlite_connection.h"
#include "sqlite_reader_pool.h"

namespace bridgebot::store {
namespace sqlite {
namespace {

// Reads that may run at once: the two delivery loops, the HTTP API, the claimer and the
// maintenance jobs; a few more reads wait for a connection to come back.
constexpr int kMaxReaders = 4;
// The WAL's length, in pages, at which its pages are copied into the database file: 16 MiB, four
// times SQLite's default, because a page the writer changes again and again (an index's last
// leaf, the outbox rows being delivered) is copied once per checkpoint; in the burst bench this
// took the checkpoints' writes from 148 MB to 89 MB per 40,000 messages.
constexpr int kCheckpointPages = 4000;

class SqliteDatabase final : public sql::Database {
 public:
  SqliteDatabase(std::unique_ptr<Connection> writer, ReaderPool::Opener open_reader,
                 std::unique_ptr<Connection> reader, std::unique_ptr<Connection> checkpoints,
                 int max_group_size)
      : checkpointer_(std::move(checkpoints), kCheckpointPages),
        writer_(attached(checkpointer_, std::move(writer)), max_group_size),
        readers_(std::move(reader), std::move(open_reader), kMaxReaders) {}

  Status write(const Work& work) override { return writer_.write(work, Sync::full); }
  Status write_unsynced(const Work& work) override { return writer_.write(work, Sync::deferred); }
  void write_async(Work work, Done done) override {
    writer_.submit(std::move(work), Sync::full, std::move(done));
  }
  bool writes_async() const override { return true; }
  Status read(const Work& work) override { return readers_.read(work); }
  StoreStats stats() const override { return {writer_.operations(), writer_.transactions()}; }
  const sql::Dialect& dialect() const override { return kDialect; }

 private:
  static std::unique_ptr<Connection> attached(Checkpointer& checkpointer,
                                              std::unique_ptr<Connection> writer) {
    checkpointer.attach(*writer);
    return writer;
  }

  Checkpointer checkpointer_;  // first: outlives the writer, whose commits call it
  GroupCommitWriter writer_;
  ReaderPool readers_;
};

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options) {
  // Reader and writer are two connections, so they must reach the same file.
  if (path.empty() || path == ":memory:") {
    return make_error("invalid_argument", "the SQLite store needs a file path, got '" + path + "'");
  }
  auto writer =
      sqlite::Connection::open(path, options.busy_timeout, sqlite::Connection::WalWrites::gathered);
  if (!writer) return writer.error();
  const sql::Dialect& dialect = sqlite::kDialect;
  if (Status migrated = sql::migrate(**writer, dialect, sql::store_migrations(dialect), path);
      !migrated.ok()) {
    return migrated.error();
  }
  // One reader is opened now, so a file that cannot be read fails the open; the pool opens the
  // others when reads overlap.
  auto open_reader = [path, timeout = options.busy_timeout] {
    return sqlite::Connection::open(path, timeout);
  };
  auto reader = open_reader();
  if (!reader) return reader.error();
  auto checkpoints = open_reader();
  if (!checkpoints) return checkpoints.error();
  return std::unique_ptr<Store>(new sql::SqlStore(
      std::make_unique<sqlite::SqliteDatabase>(std::move(*writer), open_reader, std::move(*reader),
                                               std::move(*checkpoints), options.max_group_size)));
}

int sqlite_schema_version() {
  return sql::store_migrations(sqlite::kDialect).back().version;
}

}  // namespace bridgebot::store
