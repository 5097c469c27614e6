// Encrypts secrets at rest (tokens, refresh tokens, webhook URLs) with AES-256-GCM. Every sealed
// value starts with a key id, so the key can be rotated: values sealed under an older key still
// open while the old key is kept, and `bridgebot rotate-key` re-seals them under the new one.
//
// Sealed format: 0x01 (version) | key id (4 bytes: first bytes of SHA-256 of the key) |
// nonce (12) | ciphertext | tag (16). The associated data binds a value to its place
// ("bot_token:T0001"), so a ciphertext copied to another row does not open.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"

namespace bridgebot::core {

class SecretBox {
 public:
  // `current` seals; `previous` keys only open. Keys are 32 raw bytes.
  explicit SecretBox(std::string current, std::vector<std::string> previous = {});

  Result<std::string> seal(std::string_view plaintext, std::string_view context) const;
  Result<std::string> open(std::string_view sealed, std::string_view context) const;
  // True when `sealed` was made with a key other than the current one.
  bool needs_reseal(std::string_view sealed) const;
  std::string current_key_id() const;  // hex, for logs and status

 private:
  struct Key {
    std::string id;  // 4 raw bytes
    std::string bytes;
  };
  Key current_;
  std::vector<Key> previous_;
};

// The key in the key file `key_path`. Errors: key_file_missing (no such file), key_file_exposed
// (group or others may access it: it is refused, not fixed, so that the admin learns the key may
// have leaked), invalid_key, key_file_error.
Result<std::string> read_key_file(const std::string& key_path);
// Creates the key file `key_path` with mode 0600 and a fresh random key; fails if it exists.
Result<std::string> create_key_file(const std::string& key_path);

// The encryption key as configured (base64/hex), or, when `configured` is empty, the key file
// `key_path` (read_key_file; created when missing). `created` tells the caller to warn that a key
// file was made. Only for a store known to be new: see bot/store_opening.h.
Result<std::string> load_or_create_key(const std::string& configured, const std::string& key_path,
                                       bool& created);

}  // namespace bridgebot::core
