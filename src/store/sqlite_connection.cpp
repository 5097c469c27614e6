#include "sqlite_connection.h"

#include <limits>
#include <utility>

namespace bridgebot::store::sqlite {

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::check_bind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    check_bind(SQLITE_TOOBIG);
    return *this;
  }
  check_bind(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                               SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, sqlite3_int64{value}));
  return *this;
}

Statement& Statement::bind(int index, const Blob& blob) {
  if (blob.empty()) {
    check_bind(sqlite3_bind_null(stmt_, index));
  } else if (blob.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    check_bind(SQLITE_TOOBIG);
  } else {
    check_bind(sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()),
                                 SQLITE_TRANSIENT));
  }
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  if (value) return bind(index, *value);
  return bind_null(index);
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) return connection_->error(bind_error_, "binding parameters");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->error(rc, sqlite3_sql(stmt_));
}

Status Statement::run() {
  auto stepped = step();
  sqlite3_reset(stmt_);
  if (!stepped) return stepped.error();
  return Status::success();
}

std::string Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::int64_t Statement::integer(int column) const {
  return std::int64_t{sqlite3_column_int64(stmt_, column)};
}

Blob Statement::blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  if (data == nullptr) return {};
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return Blob(data, data + size);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return make_error("store_error", "cannot open database " + path + ": " + detail +
                                         " (check that the directory exists and is writable)");
  }
  std::unique_ptr<Connection> connection(new Connection(db, path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  // WAL lets the reader connection run while the writer commits; FULL syncs the WAL on every
  // commit so an acknowledged accept survives power loss, not only a process crash.
  Status pragmas =
      connection->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!pragmas.ok()) return pragmas.error();
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return Statement(*this, found->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, sql);
  statements_.emplace(std::string(sql), stmt);
  return Statement(*this, stmt);
}

Status Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::success();
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  Error e = error(rc, sql);
  e.message = "database " + path_ + ": " + detail + " (while running: " + sql + ")";
  return e;
}

std::int64_t Connection::changes() const {
  return std::int64_t{sqlite3_changes64(db_)};
}

std::int64_t Connection::last_insert_rowid() const {
  return std::int64_t{sqlite3_last_insert_rowid(db_)};
}

Error Connection::error(int rc, std::string_view doing) const {
  int primary = rc & 0xff;
  bool busy = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
  // The connection's message describes the last failed call, which is not always `rc` (bind
  // errors).
  const char* detail =
      sqlite3_extended_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string message =
      "database " + path_ + ": " + detail + " (while running: " + std::string(doing) + ")";
  if (busy) message += "; another process holds the lock, retry later";
  if (primary == SQLITE_FULL) message += "; the disk is full";
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    message += "; the file is damaged or not a bridgebot database";
  }
  return make_error(busy ? "store_busy" : "store_error", std::move(message), busy);
}

}  // namespace bridgebot::store::sqlite
