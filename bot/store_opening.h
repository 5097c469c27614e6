// Opens the store that store.url names, with the key that seals its secrets: for SQLite the
// configured security.encryption_key or the key file beside the database (DB.key: created only
// while the store holds nothing sealed, refused when group or others may read it, and a store
// with sealed tokens whose key file is lost refuses to open); for PostgreSQL the configured key
// (required: the replicas share it). Used by `run` and by the admin commands, so both read the
// same store the same way.
#pragma once

#include <memory>
#include <string>

#include "bridgebot/core/config.h"
#include "bridgebot/core/result.h"
#include "bridgebot/store/store.h"

namespace bridgebot::cli {

struct OpenedStore {
  std::unique_ptr<store::Store> store;
  std::string key;       // the 32-byte sealing key
  std::string key_file;  // the key file that was created now ("" when none was)
};

Result<OpenedStore> open_configured_store(const core::Config& config);

}  // namespace bridgebot::cli
