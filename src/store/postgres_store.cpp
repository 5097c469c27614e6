// The Store on a PostgreSQL database: SqlStore over a pool of connections. Every write is its
// own transaction (PostgreSQL folds concurrent commits itself); reads run on any free connection.
#include "bridgebot/store/postgres_store.h"

#include <atomic>
#include <utility>

#include "migrations.h"
#include "postgres_connection.h"
#include "sql_schema.h"
#include "sql_store.h"

namespace bridgebot::store {
namespace postgres {
namespace {

class PostgresDatabase final : public sql::Database {
 public:
  explicit PostgresDatabase(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

  Status write(const Work& work) override {
    ++operations_;
    Status done = pool_->transaction(work);
    if (done.ok()) ++transactions_;
    return done;
  }
  Status write_unsynced(const Work& work) override {
    return write([&](sql::Session& session) -> Status {
      // This transaction's commit does not wait for the WAL flush (PostgreSQL's asynchronous
      // commit); later commits still do, and flush it with theirs.
      if (auto off = session.exec("SET LOCAL synchronous_commit TO OFF"); !off) return off.error();
      return work(session);
    });
  }
  Status read(const Work& work) override { return pool_->read(work); }
  StoreStats stats() const override { return {operations_.load(), transactions_.load()}; }
  const sql::Dialect& dialect() const override { return kDialect; }

 private:
  std::unique_ptr<Pool> pool_;
  std::atomic<std::uint64_t> operations_{0};
  std::atomic<std::uint64_t> transactions_{0};
};

}  // namespace
}  // namespace postgres

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const PostgresOptions& options) {
  if (options.connections < 1) {
    return make_error("invalid_argument", "the PostgreSQL store needs at least one connection");
  }
  std::vector<std::unique_ptr<postgres::Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    auto connection = postgres::Connection::open(url);
    if (!connection) return connection.error();
    if (i == 0) {
      const sql::Dialect& dialect = postgres::kDialect;
      Status migrated = sql::migrate(**connection, dialect, sql::store_migrations(dialect),
                                     (*connection)->where());
      if (!migrated.ok()) return migrated.error();
    }
    connections.push_back(std::move(*connection));
  }
  return std::unique_ptr<Store>(new sql::SqlStore(std::make_unique<postgres::PostgresDatabase>(
      std::make_unique<postgres::Pool>(std::move(connections)))));
}

int postgres_schema_version() {
  return sql::store_migrations(postgres::kDialect).back().version;
}

}  // namespace bridgebot::store
