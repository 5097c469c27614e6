#include "migrations.h"

#include <string>

namespace bridgebot::store::sqlite {
namespace {

Status apply(Connection& connection, const Migration& migration) {
  // IMMEDIATE takes the write lock up front, so two processes opening one old file at once
  // upgrade it one after the other; the second then finds nothing left to do.
  if (Status begun = connection.exec("BEGIN IMMEDIATE"); !begun.ok()) return begun;
  auto current = schema_version(connection);
  Status status = current.ok() ? Status::success() : Status(current.error());
  if (status.ok() && *current < migration.version) {
    status = connection.exec(std::string(migration.sql));
    if (status.ok()) {
      auto record = connection.prepare("INSERT INTO schema_version (version) VALUES (?1)");
      status =
          record ? record->bind(1, std::int64_t{migration.version}).run() : Status(record.error());
    }
  }
  if (status.ok()) status = connection.exec("COMMIT");
  if (!status.ok()) {
    (void)connection.exec("ROLLBACK");
    Error e = status.error();
    e.message = "schema migration " + std::to_string(migration.version) + " (" +
                std::string(migration.description) + ") failed: " + e.message;
    return e;
  }
  return Status::success();
}

}  // namespace

Result<int> schema_version(Connection& connection) {
  auto query = connection.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  return static_cast<int>(query->integer(0));
}

Status migrate(Connection& connection, std::span<const Migration> migrations) {
  if (Status created = connection.exec(
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
      !created.ok()) {
    return created;
  }
  auto current = schema_version(connection);
  if (!current) return current.error();
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest) {
    return make_error("store_schema_too_new",
                      "database " + connection.path() + " has schema version " +
                          std::to_string(*current) + " but this bridgebot knows only up to " +
                          std::to_string(latest) +
                          "; run the newer bridgebot that wrote it, or restore a backup");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= *current) continue;
    if (Status applied = apply(connection, migration); !applied.ok()) return applied;
  }
  return Status::success();
}

}  // namespace bridgebot::store::sqlite
