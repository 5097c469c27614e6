// Cryptography over OpenSSL's EVP interface: HMAC, constant-time comparison, AES-256-GCM, random
// bytes, and the encodings keys and signatures travel in. Byte strings are std::string.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::core {

std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
// The HMAC of the parts' concatenation, without building it (a request body after a prefix).
std::string hmac_sha256_concat(std::string_view key, std::initializer_list<std::string_view> parts);
std::string sha256(std::string_view data);  // 32 raw bytes

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// Cryptographically secure random bytes (OpenSSL's RAND_bytes). Aborts if the RNG fails:
// continuing without randomness would be worse.
std::string random_bytes(std::size_t count);
// A random token for URLs and states: `count` random bytes as base64url without padding.
std::string random_token(std::size_t count = 24);

std::string hex_encode(std::string_view bytes);
Result<std::string> hex_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);  // no padding
Result<std::string> base64_decode(std::string_view text);
Result<std::string> base64url_decode(std::string_view text);

// A 32-byte key from 64 hex characters or base64 of 32 bytes.
Result<std::string> decode_key(std::string_view text);

// AES-256-GCM with a fresh random 96-bit nonce per call. Output: nonce(12) | ciphertext | tag(16).
// `aad` is authenticated but not encrypted (bind a ciphertext to its row, e.g. "bot_token:T0001").
Result<std::string> aes256gcm_encrypt(std::string_view key, std::string_view plaintext,
                                      std::string_view aad = {});
Result<std::string> aes256gcm_decrypt(std::string_view key, std::string_view sealed,
                                      std::string_view aad = {});

// Low-level form with a caller-chosen nonce, for published test vectors only.
Result<std::string> aes256gcm_encrypt_with_nonce(std::string_view key, std::string_view nonce,
                                                 std::string_view plaintext, std::string_view aad);

}  // namespace bridgebot::core
