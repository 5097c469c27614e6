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
