// Versioned schema migrations. The database records the versions applied in `schema_version`;
// opening it applies the missing ones in order, each in its own transaction, so a crash
// mid-upgrade leaves it at the last complete version.
#pragma once

#include <string>
#include <vector>

#include "bridgebot/core/result.h"
#include "sql_session.h"

namespace bridgebot::store::sql {

struct Migration {
  int version;  // strictly increasing from 1, never reused or edited once released
  std::string description;
  std::string sql;  // one or more statements
};

// Brings the database to the last version in `migrations`; `where` names it in errors. Each
// migration runs under the dialect's begin_migration, so processes opening one old database at
// once upgrade it one after the other. Refuses ("store_schema_too_new") a database whose version
// is newer than the code knows, without touching it.
Status migrate(Session& db, const Dialect& dialect, const std::vector<Migration>& migrations,
               const std::string& where);

// The version recorded in the database; 0 for a new one.
Result<int> schema_version(Session& db);

}  // namespace bridgebot::store::sql
