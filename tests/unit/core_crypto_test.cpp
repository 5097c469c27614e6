#include <catch2/catch.hpp>

#include "bridgebot/core/crypto.h"

using namespace bridgebot::core;

TEST_CASE("HMAC-SHA256 matches RFC 4231 test vectors", "[core][crypto]") {
  CHECK(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256 stays right when one thread alternates keys, repeats one or has none",
          "[core][crypto]") {
  const std::string rfc1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string rfc2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  // HMAC-SHA256 with an empty key over an empty message.
  const std::string empty = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  for (int round = 0; round < 3; ++round) {
    CHECK(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")) == rfc1);
    CHECK(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")) == rfc1);
    CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) == rfc2);
    CHECK(hex_encode(hmac_sha256(std::string_view{}, "")) == empty);  // no key at all
    CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) == rfc2);
    CHECK(hex_encode(hmac_sha256("", "")) == empty);
  }
}

TEST_CASE("AES-256-GCM matches the GCM specification's test cases 13 and 14", "[core][crypto]") {
  const std::string key(32, '\0');
  const std::string nonce(12, '\0');
  auto empty = aes256gcm_encrypt_with_nonce(key, nonce, "", "");
  REQUIRE(empty.ok());
  CHECK(hex_encode(empty->substr(12)) == "530f8afbc74536b9a963b4f1c4cb738b");

  auto block = aes256gcm_encrypt_with_nonce(key, nonce, std::string(16, '\0'), "");
  REQUIRE(block.ok());
  CHECK(hex_encode(block->substr(12, 16)) == "cea7403d4d606b6e074ec5d3baf39d18");
  CHECK(hex_encode(block->substr(28)) == "d0d1c8a799996bf0265b98b5d48ab919");
}

TEST_CASE("AES-256-GCM round-trips and refuses tampering, a wrong key or a wrong row",
          "[core][crypto]") {
  const std::string key = random_bytes(32);
  auto sealed = aes256gcm_encrypt(key, "xoxb-secret-token", "bot_token:T0001");
  REQUIRE(sealed.ok());
  CHECK(sealed->find("xoxb") == std::string::npos);
  auto opened = aes256gcm_decrypt(key, *sealed, "bot_token:T0001");
  REQUIRE(opened.ok());
  CHECK(*opened == "xoxb-secret-token");

  auto again = aes256gcm_encrypt(key, "xoxb-secret-token", "bot_token:T0001");
  CHECK(*again != *sealed);  // fresh nonce every time

  std::string tampered = *sealed;
  tampered[20] = static_cast<char>(tampered[20] ^ 1);
  CHECK(aes256gcm_decrypt(key, tampered, "bot_token:T0001").error().code == "decrypt_failed");
  CHECK_FALSE(aes256gcm_decrypt(random_bytes(32), *sealed, "bot_token:T0001").ok());
  CHECK_FALSE(aes256gcm_decrypt(key, *sealed, "bot_token:T0002").ok());
  CHECK_FALSE(aes256gcm_decrypt(key, sealed->substr(0, 10), "").ok());
}

TEST_CASE("constant_time_equal compares contents and lengths", "[core][crypto]") {
  CHECK(constant_time_equal("v1=abc", "v1=abc"));
  CHECK_FALSE(constant_time_equal("v1=abc", "v1=abd"));
  CHECK_FALSE(constant_time_equal("v1=abc", "v1=ab"));
  CHECK(constant_time_equal("", ""));
}

TEST_CASE("encodings round-trip and reject junk", "[core][crypto]") {
  const std::string data = random_bytes(33);
  CHECK(*base64_decode(base64_encode(data)) == data);
  CHECK(*base64url_decode(base64url_encode(data)) == data);
  CHECK(*hex_decode(hex_encode(data)) == data);
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(*base64_decode("Zm9vYg==") == "foob");
  CHECK_FALSE(base64_decode("Zm9v!g==").ok());
  CHECK_FALSE(hex_decode("abz0").ok());
  CHECK(random_token().size() == 32);
  CHECK(random_token() != random_token());
}

TEST_CASE("decode_key accepts 32 bytes as hex or base64 only", "[core][crypto]") {
  CHECK(decode_key(std::string(64, 'a')).ok());
  CHECK(decode_key(base64_encode(std::string(32, 'k'))).ok());
  CHECK_FALSE(decode_key(base64_encode(std::string(16, 'k'))).ok());
  CHECK_FALSE(decode_key("not a key").ok());
}
