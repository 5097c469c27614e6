// The SQLite schema of bridgebot's store, as an ordered list of migrations.
#pragma once

#include <span>

#include "migrations.h"

namespace bridgebot::store::sqlite {

std::span<const Migration> store_migrations();

}  // namespace bridgebot::store::sqlite
