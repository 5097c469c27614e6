#include <catch2/catch.hpp>

#include "bridgebot/core/log.h"

using bridgebot::core::redact;

TEST_CASE("every kind of Slack token is redacted wherever it appears", "[core][redact]") {
  const char* tokens[] = {
      "xoxb-1234-5678-abcdEFGH", "xoxp-1-2-3-abc",       "xoxe.xoxb-1-abcDEF", "xoxe.xoxp-1-abc",
      "xoxe-1-refreshABC",       "xapp-1-A111-222-ff00", "xoxa-2-abc",         "xoxr-abc"};
  for (const char* token : tokens) {
    INFO(token);
    std::string line = std::string("calling with token=") + token + ", ok";
    std::string out = redact(line, {});
    CHECK(out == "calling with token=[redacted], ok");
  }
}

TEST_CASE("incoming webhook URLs and registered secrets are redacted", "[core][redact]") {
  CHECK(redact("posting to https://hooks.slack.com/services/T000/B000/XXXX failed", {}) ==
        "posting to https://[redacted] failed");
  CHECK(redact("admin token is hunter2-admin!", {"hunter2-admin"}) == "admin token is [redacted]!");
  CHECK(redact("sig secret-abc secret-abcdef", {"secret-abc", "secret-abcdef"}) ==
        "sig [redacted] [redacted]");
}

TEST_CASE("ordinary text is left alone", "[core][redact]") {
  CHECK(redact("user xoxo- said hello to xapp", {}) == "user xoxo- said hello to xapp");
  CHECK(redact("short secrets like 'abc' are not redacted", {"abc"}) ==
        "short secrets like 'abc' are not redacted");
}

TEST_CASE("a secret registered again and again is held once", "[core][redact]") {
  // What every decryption of a stored token did: 100k messages, one secret.
  const std::size_t before = bridgebot::core::registered_secret_count();
  for (int i = 0; i < 100'000; ++i)
    bridgebot::core::register_secret("unit-test-secret-decrypted-again");
  CHECK(bridgebot::core::registered_secret_count() == before + 1);
}

TEST_CASE("the registry holds distinct secrets longest first and skips pattern-covered ones",
          "[core][redact]") {
  bridgebot::core::SecretRegistry registry;
  CHECK(registry.add("secret-abc"));
  CHECK_FALSE(registry.add("secret-abc"));
  CHECK(registry.add("secret-abcdef"));
  CHECK_FALSE(registry.add("abc"));                  // too short to redact safely
  CHECK_FALSE(registry.add("xoxb-1234-5678-abcd"));  // the token pattern redacts it anyway
  CHECK(registry.size() == 2);
  CHECK(registry.redact("sig secret-abc secret-abcdef xoxb-1234-5678-abcd") ==
        "sig [redacted] [redacted] [redacted]");
  // A webhook URL: the pattern covers only its tail, so the registry keeps it.
  CHECK(registry.add("https://hooks.example/services/T0/B0/xyz"));
  CHECK(registry.redact("to https://hooks.example/services/T0/B0/xyz.") == "to [redacted].");
}
