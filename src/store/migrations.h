// Versioned schema migrations. The database records the versions applied in `schema_version`;
// opening a file applies the missing ones in order, each in its own transaction, so a crash
// mid-upgrade leaves the file at the last complete version.
#pragma once

#include <span>
#include <string_view>

#include "bridgebot/core/result.h"
#include "sqlite_connection.h"

namespace bridgebot::store::sqlite {

struct Migration {
  int version;  // strictly increasing from 1, never reused or edited once released
  std::string_view description;
  std::string_view sql;  // one or more statements
};

// Brings the database to the last version in `migrations`. Refuses ("store_schema_too_new") a
// file whose version is newer than the code knows, without touching it.
Status migrate(Connection& connection, std::span<const Migration> migrations);

// The version recorded in the file; 0 for a new file.
Result<int> schema_version(Connection& connection);

}  // namespace bridgebot::store::sqlite
