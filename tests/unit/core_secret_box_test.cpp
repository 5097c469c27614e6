#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "bridgebot/core/crypto.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/core/thread_pool.h"
#include "support/temp_dir.h"

using namespace bridgebot::core;

TEST_CASE("sealed secrets open only with their key and their context", "[core][secretbox]") {
  SecretBox box(random_bytes(32));
  auto sealed = box.seal("xoxb-1-secret", "bot_token:T0001");
  REQUIRE(sealed.ok());
  CHECK(sealed->find("xoxb") == std::string::npos);
  CHECK(*box.open(*sealed, "bot_token:T0001") == "xoxb-1-secret");
  CHECK(box.open(*sealed, "bot_token:T0002").error().code == "decrypt_failed");
  SecretBox other(random_bytes(32));
  auto foreign = other.open(*sealed, "bot_token:T0001");
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().message.find("not configured") != std::string::npos);
}

TEST_CASE("after a key rotation old values still open and are flagged for resealing",
          "[core][secretbox]") {
  const std::string old_key = random_bytes(32);
  auto sealed = SecretBox(old_key).seal("refresh", "refresh_token:T1");
  SecretBox rotated(random_bytes(32), {old_key});
  CHECK(*rotated.open(*sealed, "refresh_token:T1") == "refresh");
  CHECK(rotated.needs_reseal(*sealed));
  CHECK_FALSE(rotated.needs_reseal(*rotated.seal("x", "c")));
}

TEST_CASE("a missing key file is created once with mode 0600 and reused", "[core][secretbox]") {
  bridgebot::test::TempDir dir{"secret_box"};
  const std::string path = dir.file("bridgebot.key");
  bool created = false;
  auto first = load_or_create_key("", path, created);
  REQUIRE(first.ok());
  CHECK(created);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto second = load_or_create_key("", path, created);
  REQUIRE(second.ok());
  CHECK_FALSE(created);
  CHECK(*second == *first);
  CHECK(*load_or_create_key(base64_encode(std::string(32, 'k')), path, created) ==
        std::string(32, 'k'));
}

TEST_CASE("the thread pool runs every posted job before shutdown returns", "[core][pool]") {
  std::atomic<int> done{0};
  {
    ThreadPool pool(4);
    for (int i = 0; i < 1000; ++i) pool.post([&] { ++done; });
    pool.shutdown();
    pool.post([&] { done += 1000; });  // after shutdown: dropped
  }
  CHECK(done == 1000);
}
