#include "sqlite_connection.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "sqlite_wal_writes.h"

namespace bridgebot::store::sqlite {
namespace {

// A row of a statement being stepped.
class StatementRow final : public sql::Row {
 public:
  explicit StatementRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  std::string text(int column) const override {
    const unsigned char* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), bytes(column));
  }
  std::int64_t integer(int column) const override {
    return std::int64_t{sqlite3_column_int64(stmt_, column)};
  }
  Blob blob(int column) const override {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    if (data == nullptr) return {};
    return Blob(data, data + bytes(column));
  }
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  std::size_t bytes(int column) const {
    return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  }
  sqlite3_stmt* stmt_;
};

int bind_value(sqlite3_stmt* stmt, int index, const sql::Params::Value& value) {
  using Kind = sql::Params::Value::Kind;
  if (value.kind == Kind::null) return sqlite3_bind_null(stmt, index);
  if (value.kind == Kind::integer) return sqlite3_bind_int64(stmt, index, value.number);
  if (value.bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return SQLITE_TOOBIG;
  }
  const int size = static_cast<int>(value.bytes.size());
  // SQLITE_STATIC: the Params outlive the statement's use of them (exec clears the bindings).
  if (value.kind == Kind::blob) {
    return sqlite3_bind_blob(stmt, index, value.bytes.data(), size, SQLITE_STATIC);
  }
  return sqlite3_bind_text(stmt, index, value.bytes.data(), size, SQLITE_STATIC);
}

// For each parameter "$n" of `stmt`, n - 1; empty when one is not named so.
std::optional<std::vector<std::size_t>> value_indexes(sqlite3_stmt* stmt) {
  const int count = sqlite3_bind_parameter_count(stmt);
  std::vector<std::size_t> indexes;
  for (int index = 1; index <= count; ++index) {
    const char* name = sqlite3_bind_parameter_name(stmt, index);
    std::size_t n = 0;
    const std::string_view digits = name != nullptr && name[0] == '$' ? name + 1 : "";
    auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (parsed.ec != std::errc() || n < 1) return std::nullopt;
    indexes.push_back(n - 1);
  }
  return indexes;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     std::chrono::milliseconds busy_timeout,
                                                     WalWrites wal_writes) {
  // SQLite counts every allocation under one process-wide mutex unless told not to before it
  // starts; bridgebot never reads those counts, and its writer, reader and delivery threads
  // allocate at the same time. (Ignored when SQLite already started: only a cost, never wrong.)
  static const int counting_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)counting_off;
  sqlite3* db = nullptr;
  // Without the gathering VFS (never expected) the default one writes the same bytes.
  const char* vfs = wal_writes == WalWrites::gathered ? gathered_wal_vfs() : nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
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
  Status pragmas = connection->exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!pragmas.ok()) return pragmas.error();
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement.stmt);
  sqlite3_close(db_);
}

std::size_t Connection::SqlHash::operator()(std::string_view sql) const {
  constexpr std::uint64_t kSpread = 0x9E3779B97F4A7C15ULL;  // Fibonacci hashing's multiplier
  std::uint64_t h = sql.size();
  if (sql.size() < 8) {
    for (const char c : sql) h = (h ^ static_cast<unsigned char>(c)) * kSpread;
  } else {
    const std::size_t last = sql.size() - 8;
    for (const std::size_t at : {std::size_t{0}, std::min(sql.size() / 3, last),
                                 std::min(sql.size() * 2 / 3, last), last}) {
      std::uint64_t word = 0;
      std::memcpy(&word, sql.data() + at, sizeof word);
      h = (h ^ word) * kSpread;
    }
  }
  return static_cast<std::size_t>(h ^ (h >> 29));
}

Result<const Connection::Statement*> Connection::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return &found->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, sql);
  auto values = value_indexes(stmt);
  if (!values) {
    sqlite3_finalize(stmt);
    return error(SQLITE_RANGE, sql);
  }
  return &statements_.emplace(std::string(sql), Statement{stmt, std::move(*values)}).first->second;
}

Result<std::int64_t> Connection::exec(std::string_view sql, const sql::Params& params,
                                      sql::OnRow on_row) {
  auto prepared = prepare(sql);
  if (!prepared) return prepared.error();
  sqlite3_stmt* stmt = (*prepared)->stmt;
  // However this returns, the cached statement is left reset for its next use. Its bindings
  // stay (SQLITE_STATIC pointers into `params`), never read again: every exec binds each
  // parameter before it steps, or fails first.
  struct Reset {
    sqlite3_stmt* stmt;
    ~Reset() { sqlite3_reset(stmt); }
  } reset{stmt};
  const std::vector<std::size_t>& indexes = (*prepared)->values;
  const std::vector<sql::Params::Value>& values = params.values();
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    if (indexes[i] >= values.size()) return error(SQLITE_RANGE, sql);
    if (int rc = bind_value(stmt, static_cast<int>(i + 1), values[indexes[i]]); rc != SQLITE_OK) {
      return error(rc, sql);
    }
  }
  const StatementRow row(stmt);
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return error(rc, sql);
    if (on_row) on_row(row);
  }
  // changes() keeps the count of the last writing statement, which a query must not report.
  return sqlite3_stmt_readonly(stmt) ? std::int64_t{0} : std::int64_t{sqlite3_changes64(db_)};
}

Status Connection::exec_script(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::success();
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  Error e = error(rc, sql);
  e.message = "database " + path_ + ": " + detail + " (while running: " + sql + ")";
  return e;
}

void Connection::set_wal_hook(WalHook hook, void* context) {
  (void)sqlite3_wal_hook(db_, hook, context);
}

Status Connection::checkpoint() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK) return Status::success();
  return error(rc, "checkpoint");
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
