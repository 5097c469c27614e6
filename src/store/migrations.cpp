#include "migrations.h"

#include <string>

namespace bridgebot::store::sql {
namespace {

// Runs `step` inside a migration transaction: committed when it succeeds, else rolled back.
template <typename Step>
Status in_transaction(Session& db, const Dialect& dialect, Step step) {
  Status status = db.exec_script(std::string(dialect.begin_migration));
  if (status.ok()) status = step();
  if (status.ok()) status = db.exec_script("COMMIT");
  if (!status.ok()) (void)db.exec_script("ROLLBACK");
  return status;
}

}  // namespace

Result<int> schema_version(Session& db) {
  std::int64_t version = 0;
  auto read = db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version", {},
                      [&](const Row& row) { version = row.integer(0); });
  if (!read) return read.error();
  return static_cast<int>(version);
}

Status migrate(Session& db, const Dialect& dialect, const std::vector<Migration>& migrations,
               const std::string& where) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  int current = 0;
  Status checked = in_transaction(db, dialect, [&]() -> Status {
    if (Status s = db.exec_script(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
        !s.ok()) {
      return s;
    }
    auto version = schema_version(db);
    if (!version) return version.error();
    current = *version;
    if (current <= latest) return Status::success();
    return make_error("store_schema_too_new",
                      where + " has schema version " + std::to_string(current) +
                          " but this bridgebot knows only up to " + std::to_string(latest) +
                          ": upgrade bridgebot to the version that wrote it, or restore a backup");
  });
  if (!checked.ok()) return checked;
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Status applied = in_transaction(db, dialect, [&]() -> Status {
      // Another process may have applied it while this one waited for the lock.
      auto version = schema_version(db);
      if (!version) return version.error();
      if (*version >= migration.version) return Status::success();
      if (Status s = db.exec_script(migration.sql); !s.ok()) return s;
      auto recorded = db.exec("INSERT INTO schema_version (version) VALUES ($1)",
                              Params().integer(std::int64_t{migration.version}));
      return recorded ? Status::success() : Status(recorded.error());
    });
    if (!applied.ok()) {
      Error e = applied.error();
      e.message = "schema migration " + std::to_string(migration.version) + " (" +
                  migration.description + ") failed: " + e.message;
      return e;
    }
  }
  return Status::success();
}

}  // namespace bridgebot::store::sql
