#include "postgres_connection.h"

#include <charconv>
#include <chrono>
#include <thread>

namespace bridgebot::store::postgres {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// libpq's messages end in a newline.
std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Serialization failure or deadlock: the transaction was rolled back and may simply run again.
bool retryable_state(std::string_view state) {
  return state == "40001" || state == "40P01";
}

// A row of a result. Text results show bytea in hex: "\x0a1b…".
class ResultRow final : public sql::Row {
 public:
  ResultRow(const PGresult* result, int row) : result_(result), row_(row) {}
  std::string text(int column) const override {
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<std::size_t>(PQgetlength(result_, row_, column)));
  }
  std::int64_t integer(int column) const override {
    const char* value = PQgetvalue(result_, row_, column);
    std::int64_t out = 0;
    std::from_chars(value, value + PQgetlength(result_, row_, column), out);
    return out;
  }
  Blob blob(int column) const override {
    Blob out;
    if (is_null(column)) return out;
    const std::string hex = text(column);
    if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x') return out;
    out.reserve((hex.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2) {
      const int high = hex_value(hex[i]);
      const int low = hex_value(hex[i + 1]);
      if (high < 0 || low < 0) return Blob{};
      out.push_back(static_cast<std::uint8_t>(high * 16 + low));
    }
    return out;
  }
  bool is_null(int column) const override { return PQgetisnull(result_, row_, column) != 0; }

 private:
  const PGresult* result_;
  int row_;
};

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return make_error("store_error", "cannot allocate a PostgreSQL connection");
  const std::string where = std::string("database ") + (PQdb(conn) ? PQdb(conn) : "?") + " on " +
                            (PQhost(conn) && *PQhost(conn) ? PQhost(conn) : "localhost");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    const std::string message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return make_error("store_error", "cannot connect to " + where + ": " + message, true);
  }
  // A transaction of ours never waits on this process for long. One that does belongs to a
  // process that hangs (stopped, swapped out): ending it releases its locks (the claim lock,
  // lease and outbox rows), which would otherwise stall every replica's claims and the takeover
  // of the hung replica's partitions until it came back.
  PGresult* set = PQexec(conn, "SET idle_in_transaction_session_timeout = '2s'");
  const bool set_ok = PQresultStatus(set) == PGRES_COMMAND_OK;
  PQclear(set);
  if (!set_ok) {
    const std::string message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return make_error("store_error", "cannot configure the session on " + where + ": " + message,
                      true);
  }
  // Notices ("table already exists, skipping") are not for the log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, where));
}

Connection::~Connection() {
  PQfinish(conn_);
}

Result<std::int64_t> Connection::exec(std::string_view sql, const sql::Params& params,
                                      sql::OnRow on_row) {
  // Text parameters, but a blob's bytes as binary (format 1) for its bytea column.
  using Kind = sql::Params::Value::Kind;
  std::vector<std::string> integers;  // integers in text form, kept while libpq reads them
  integers.reserve(params.values().size());
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const auto& value : params.values()) {
    const std::string* bytes = &value.bytes;
    if (value.kind == Kind::integer) bytes = &integers.emplace_back(std::to_string(value.number));
    values.push_back(value.kind == Kind::null ? nullptr : bytes->data());
    lengths.push_back(static_cast<int>(bytes->size()));
    formats.push_back(value.kind == Kind::blob ? 1 : 0);
  }
  const std::string statement(sql);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn_, statement.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), lengths.data(), formats.data(), 0),
      &PQclear);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    if (on_row) {
      for (int r = 0; r < PQntuples(result.get()); ++r) on_row(ResultRow(result.get(), r));
    }
    const char* count = PQcmdTuples(result.get());
    std::int64_t changed = 0;
    std::from_chars(count, count + std::char_traits<char>::length(count), changed);
    return changed;
  }

  const char* state_field = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = state_field ? state_field : "";
  const std::string message =
      trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn_));
  if (retryable_state(state)) return make_error("store_busy", where_ + ": " + message, true);
  // A lost connection may have lost a COMMIT's answer too: transient for the caller, but not
  // retried here, where the work might have been committed.
  return make_error("store_error", where_ + ": " + message, broken());
}

Status Connection::exec_script(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  const std::string message =
      trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (result) PQclear(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::success();
  return make_error("store_error", where_ + ": " + message);
}

bool Connection::broken() const {
  return PQstatus(conn_) != CONNECTION_OK;
}

void Connection::reset() {
  PQreset(conn_);
}

Pool::Pool(std::vector<std::unique_ptr<Connection>> connections) : all_(std::move(connections)) {
  for (auto& connection : all_) free_.push_back(connection.get());
}

Connection& Pool::take() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return !free_.empty(); });
  Connection* connection = free_.back();
  free_.pop_back();
  return *connection;
}

void Pool::give_back(Connection& connection) {
  if (connection.broken()) connection.reset();  // the next user gets a working one, or an error
  {
    std::lock_guard lock(mutex_);
    free_.push_back(&connection);
  }
  freed_.notify_one();
}

Status Pool::transaction(const sql::Database::Work& work) {
  constexpr int kAttempts = 5;
  Status outcome;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    Connection& db = take();
    outcome = [&]() -> Status {
      if (auto begun = db.exec("BEGIN"); !begun) return begun.error();
      Status done = work(db);
      if (!done.ok()) {
        (void)db.exec("ROLLBACK");
        return done;
      }
      if (auto committed = db.exec("COMMIT"); !committed) return committed.error();
      return Status::success();
    }();
    give_back(db);
    if (outcome.ok() || outcome.error().code != "store_busy") break;
    // A serialization failure or deadlock: PostgreSQL rolled it back, nothing was committed.
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
  }
  return outcome;
}

Status Pool::read(const sql::Database::Work& work) {
  Connection& db = take();
  Status done = work(db);
  give_back(db);
  return done;
}

}  // namespace bridgebot::store::postgres
