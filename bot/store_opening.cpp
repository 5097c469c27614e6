#include "store_opening.h"

#include "bridgebot/core/crypto.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/store/postgres_store.h"
#include "bridgebot/store/sqlite_store.h"

namespace bridgebot::cli {

Result<OpenedStore> open_configured_store(const core::Config& config) {
  OpenedStore opened;
  if (config.store_is_postgres()) {
    if (config.encryption_key.empty()) {
      return make_error("invalid_config",
                        "security.encryption_key is required with a PostgreSQL store");
    }
    auto key = core::decode_key(config.encryption_key);
    if (!key.ok()) return key.error();
    auto store = store::open_postgres_store(config.store_url);
    if (!store.ok()) return store.error();
    opened.store = std::move(*store);
    opened.key = std::move(*key);
    return opened;
  }
  const std::string path = config.store_url.substr(std::string_view("sqlite:").size());
  auto store = store::open_sqlite_store(path);
  if (!store.ok()) return store.error();
  bool created = false;
  auto key = core::load_or_create_key(config.encryption_key, path + ".key", created);
  if (!key.ok()) return key.error();
  opened.store = std::move(*store);
  opened.key = std::move(*key);
  if (created) opened.key_file = path + ".key";
  return opened;
}

}  // namespace bridgebot::cli
