#include "store_opening.h"

#include "bridgebot/core/crypto.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/store/postgres_store.h"
#include "bridgebot/store/sqlite_store.h"

namespace bridgebot::cli {
namespace {

// How many secrets the store holds sealed with its key (tokens, refresh tokens, webhook URLs).
Result<std::int64_t> count_sealed_secrets(store::Store& store) {
  auto installations = store.list_installations();
  if (!installations.ok()) return installations.error();
  std::int64_t sealed = 0;
  for (const auto& installation : *installations) {
    sealed += !installation.bot_token.empty();
    sealed += !installation.refresh_token.empty();
    sealed += installation.incoming_webhook && !installation.incoming_webhook->url.empty();
    auto links = store.links_of_team(installation.team_id);
    if (!links.ok()) return links.error();
    for (const auto& link : *links) sealed += link.user_token.has_value();
  }
  return sealed;
}

// No key configured: the key file beside the database. A missing one is made only when nothing
// in the store was sealed with the lost one; otherwise starting would make every stored token
// unreadable, so it refuses and says how to recover.
Result<std::string> key_from_file(store::Store& store, const std::string& database,
                                  const std::string& key_path, bool& created) {
  created = false;
  auto existing = core::read_key_file(key_path);
  if (existing.ok() || existing.error().code != "key_file_missing") return existing;
  auto sealed = count_sealed_secrets(store);
  if (!sealed.ok()) return sealed.error();
  if (*sealed > 0) {
    return make_error(
        "key_file_missing",
        "the key file " + key_path + " is missing, but the database " + database + " holds " +
            std::to_string(*sealed) +
            " token(s) sealed with the key it held: a new key could not read them. Restore " +
            key_path +
            " from your backup (or set security.encryption_key to that key) and start again. "
            "If the key is lost for good, move the database away and install the workspaces "
            "again.");
  }
  auto fresh = core::create_key_file(key_path);
  created = fresh.ok();
  return fresh;
}

}  // namespace

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
  auto key = config.encryption_key.empty() ? key_from_file(**store, path, path + ".key", created)
                                           : core::decode_key(config.encryption_key);
  if (!key.ok()) return key.error();
  opened.store = std::move(*store);
  opened.key = std::move(*key);
  if (created) opened.key_file = path + ".key";
  return opened;
}

}  // namespace bridgebot::cli
