// The store's schema, one text for both engines, as each engine's ordered list of migrations.
#pragma once

#include <vector>

#include "migrations.h"
#include "sql_session.h"

namespace bridgebot::store::sql {

std::vector<Migration> store_migrations(const Dialect& dialect);

}  // namespace bridgebot::store::sql
