#include "bridgebot/core/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>

namespace bridgebot::core {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Error crypto_error(const char* what) {
  return make_error("crypto_error", std::string("AES-256-GCM ") + what);
}

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// OpenSSL 3's one-shot HMAC() looks the algorithm and the digest up by name on every call (a
// locked provider search): that was most of a signature check, made twice per platform request.
// Each thread keeps one HMAC context instead, keyed once per key; the key is the signing secret,
// the same for nearly every call.
class ThreadHmac {
 public:
  ThreadHmac() : context_(EVP_MAC_CTX_new(algorithm()), &EVP_MAC_CTX_free) {}

  // false when OpenSSL could not do it (then the caller uses HMAC()). An empty key is left to
  // HMAC(): EVP_MAC_init reads a null key as "the previous one".
  bool sign(std::string_view key, std::initializer_list<std::string_view> parts, std::string& out) {
    if (!context_ || key.empty()) return false;
    if (!keyed_ || key != key_) {
      keyed_ = false;
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(context_.get(), bytes(key), key.size(), params) != 1) return false;
      key_.assign(key);
      keyed_ = true;
    } else if (EVP_MAC_init(context_.get(), nullptr, 0, nullptr) != 1) {  // same key again
      keyed_ = false;
      return false;
    }
    for (std::string_view part : parts) {
      if (EVP_MAC_update(context_.get(), bytes(part), part.size()) != 1) {
        keyed_ = false;
        return false;
      }
    }
    std::size_t length = 0;
    if (EVP_MAC_final(context_.get(), bytes(out), &length, out.size()) != 1) {
      keyed_ = false;
      return false;
    }
    out.resize(length);
    return true;
  }

 private:
  static EVP_MAC* algorithm() {
    static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // kept for the process
    return hmac;
  }

  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context_;
  std::string key_;
  bool keyed_ = false;
};

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256_concat(key, {data});
}

std::string hmac_sha256_concat(std::string_view key,
                               std::initializer_list<std::string_view> parts) {
  thread_local ThreadHmac hmac;
  std::string out(EVP_MAX_MD_SIZE, '\0');
  if (hmac.sign(key, parts, out)) return out;
  std::string data;
  for (std::string_view part : parts) data.append(part);
  out.assign(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(), bytes(out),
       &length);
  out.resize(length);
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), bytes(out), &length, EVP_sha256(), nullptr);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(bytes(out), static_cast<int>(count)) != 1) std::abort();
  return out;
}

std::string random_token(std::size_t count) {
  return base64url_encode(random_bytes(count));
}

std::string hex_encode(std::string_view input) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(input.size() * 2, '\0');
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto c = static_cast<unsigned char>(input[i]);
    out[2 * i] = kHex[c >> 4];
    out[2 * i + 1] = kHex[c & 0xF];
  }
  return out;
}

Result<std::string> hex_decode(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0) return make_error("invalid_hex", "odd number of hex digits");
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]);
    int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return make_error("invalid_hex", "not a hex digit");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string base64_encode(std::string_view input) {
  std::string out(4 * ((input.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(bytes(out), bytes(input), static_cast<int>(input.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string base64url_encode(std::string_view input) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : input) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Url[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kBase64Url[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return make_error("invalid_base64", "length is not a multiple of 4");
  std::string out(text.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(bytes(out), bytes(text), static_cast<int>(text.size()));
  if (length < 0) return make_error("invalid_base64", "not base64");
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  if (text.find_first_of("+/=") != std::string_view::npos) {
    return make_error("invalid_base64", "not base64url");
  }
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  return base64_decode(standard);
}

Result<std::string> decode_key(std::string_view text) {
  auto decoded = text.size() == 64 ? hex_decode(text) : base64_decode(text);
  if (!decoded.ok() || decoded->size() != 32) {
    return make_error("invalid_key", "an encryption key must be 32 bytes as base64 or hex");
  }
  return decoded;
}

Result<std::string> aes256gcm_encrypt_with_nonce(std::string_view key, std::string_view nonce,
                                                 std::string_view plaintext, std::string_view aad) {
  if (key.size() != 32 || nonce.size() != kNonceBytes) return crypto_error("needs a 32-byte key");
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(nonce);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  int length = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), bytes(out) + kNonceBytes, &length, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes(out) + kNonceBytes + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          bytes(out) + kNonceBytes + plaintext.size()) != 1) {
    return crypto_error("encryption failed");
  }
  return out;
}

Result<std::string> aes256gcm_encrypt(std::string_view key, std::string_view plaintext,
                                      std::string_view aad) {
  return aes256gcm_encrypt_with_nonce(key, random_bytes(kNonceBytes), plaintext, aad);
}

Result<std::string> aes256gcm_decrypt(std::string_view key, std::string_view sealed,
                                      std::string_view aad) {
  if (key.size() != 32) return crypto_error("needs a 32-byte key");
  if (sealed.size() < kNonceBytes + kTagBytes) return crypto_error("input is truncated");
  const std::size_t text_size = sealed.size() - kNonceBytes - kTagBytes;
  std::string tag(sealed.substr(kNonceBytes + text_size));
  std::string out(text_size, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(sealed)) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), bytes(out), &length, bytes(sealed) + kNonceBytes,
                        static_cast<int>(text_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), bytes(out) + length, &length) != 1) {
    return make_error("decrypt_failed",
                      "a stored secret could not be decrypted: wrong encryption key or the value "
                      "was tampered with");
  }
  return out;
}

}  // namespace bridgebot::core
