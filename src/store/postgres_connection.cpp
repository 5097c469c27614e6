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

}  // namespace

Params& Params::text(std::string_view value) {
  values_.emplace_back(std::string(value));
  formats_.push_back(0);
  return *this;
}

Params& Params::integer(std::int64_t value) {
  return text(std::to_string(value));
}

Params& Params::integer(std::optional<std::int64_t> value) {
  return value ? integer(*value) : null();
}

Params& Params::blob(const Blob& value) {
  if (value.empty()) return null();
  values_.emplace_back(std::string(value.begin(), value.end()));
  formats_.push_back(1);
  return *this;
}

Params& Params::null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

std::int64_t Rows::affected() const {
  const char* count = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  if (count != nullptr)
    std::from_chars(count, count + std::char_traits<char>::length(count), value);
  return value;
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t Rows::integer(int row, int column) const {
  const std::string value = text(row, column);
  std::int64_t out = 0;
  std::from_chars(value.data(), value.data() + value.size(), out);
  return out;
}

std::optional<std::int64_t> Rows::optional_integer(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return integer(row, column);
}

Blob Rows::blob(int row, int column) const {
  Blob out;
  if (is_null(row, column)) return out;
  // Text results show bytea in hex: "\x0a1b…".
  const std::string hex = text(row, column);
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
  // Notices ("table already exists, skipping") are not for the log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, where));
}

Connection::~Connection() {
  PQfinish(conn_);
}

Result<Rows> Connection::exec(std::string_view sql, const Params& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const auto& value : params.values_) {
    values.push_back(value ? value->data() : nullptr);
    lengths.push_back(value ? static_cast<int>(value->size()) : 0);
  }
  const std::string statement(sql);
  PGresult* result =
      PQexecParams(conn_, statement.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), lengths.data(), params.formats_.data(), 0);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);

  const char* state_field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = state_field ? state_field : "";
  const std::string message =
      trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (result) PQclear(result);
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

Status Pool::transaction(const std::function<Status(Connection&)>& work) {
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

Status Pool::read(const std::function<Status(Connection&)>& work) {
  Connection& db = take();
  Status done = work(db);
  give_back(db);
  return done;
}

}  // namespace bridgebot::store::postgres
