// The store that the shared store tests (tests/unit/store_{records,outbox,lease}_test.cpp) run
// against: SQLite in a file of `dir` (unit_store), or, built with BRIDGEBOT_TEST_POSTGRES
// (integration_postgres), a database of this process's PostgreSQL test server, one per `dir`.
// Opening again with the same `dir` reaches the same data, as a restart would.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "bridgebot/store/postgres_store.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace bridgebot::test {

inline Result<std::unique_ptr<store::Store>> open_test_store(const TempDir& dir) {
#ifdef BRIDGEBOT_TEST_POSTGRES
  static std::map<std::string, std::string> databases;  // dir -> URL; tests run one at a time
  auto& url = databases[dir.path.string()];
  if (url.empty()) url = new_postgres_database();
  return store::open_postgres_store(url);
#else
  return store::open_sqlite_store(dir.file("bridge.db"));
#endif
}

}  // namespace bridgebot::test
