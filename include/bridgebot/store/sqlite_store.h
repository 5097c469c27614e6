// The embedded SQLite backend of Store (the default, config `store.url: sqlite:PATH`).
//
// One file, opened with WAL, synchronous=FULL and foreign keys on. Writes go to a dedicated writer
// thread that folds concurrent calls into one transaction and one fsync (group commit); reads use
// a separate connection. Several processes may open the same file: SQLite's lock serialises their
// writers, and leases coordinate work between them.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/store/store.h"

namespace bridgebot::store {

struct SqliteOptions {
  // How long a write waits for another process's lock before failing with "store_busy".
  std::chrono::milliseconds busy_timeout{5000};
  // Upper bound on calls folded into one transaction.
  int max_group_size = 1000;
};

// Opens (creating if needed) the database at `path` and upgrades its schema to the latest
// version. A file written by a newer bridgebot is refused with "store_schema_too_new".
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options = {});

// The schema version this build writes; files with a larger version are refused.
int sqlite_schema_version();

}  // namespace bridgebot::store
