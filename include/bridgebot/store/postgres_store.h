// The PostgreSQL backend of Store (config `store.url: postgresql://…`), for several bridgebot
// replicas on one database: every call is its own transaction on a small pool of connections,
// claims are serialised by an advisory lock, leases are rows decided inside the transaction, and
// PostgreSQL's own commit makes each write durable before the call returns.
#pragma once

#include <memory>
#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/store/store.h"

namespace bridgebot::store {

struct PostgresOptions {
  int connections = 8;  // the pool; calls beyond it wait for a free connection
};

// Connects to `url` (a libpq connection URI: postgresql://user@host/db, or with ?host=/socket/dir)
// and upgrades the schema to the latest version (one replica at a time). A database written by a
// newer bridgebot is refused with "store_schema_too_new". The password never appears in errors.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const PostgresOptions& options = {});

// The schema version this build writes.
int postgres_schema_version();

}  // namespace bridgebot::store
