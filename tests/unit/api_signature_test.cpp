#include <catch2/catch.hpp>

#include "bridgebot/api/signature.h"

using namespace bridgebot::api;

TEST_CASE("a correctly signed request within the window is accepted", "[api][signature]") {
  const std::string body = R"({"id":"msg-1"})";
  const std::string signature = sign_request("shh-secret", 1'700'000'000, body);
  CHECK(signature.rfind("v1=", 0) == 0);
  CHECK(signature.size() == 3 + 64);
  CHECK(verify_request("shh-secret", "1700000000", signature, body, 1'700'000'000).ok());
  CHECK(verify_request("shh-secret", "1700000000", signature, body, 1'700'000'300).ok());
  CHECK(verify_request("shh-secret", "1700000000", signature, body, 1'699'999'700).ok());
}

TEST_CASE("the signature covers secret, timestamp and every body byte", "[api][signature]") {
  const std::string body = R"({"id":"msg-1"})";
  const std::string signature = sign_request("shh-secret", 1'700'000'000, body);
  auto code = [&](std::string_view secret, std::string_view ts, std::string_view sig,
                  std::string_view b) {
    auto status = verify_request(secret, ts, sig, b, 1'700'000'000);
    return status.ok() ? std::string("ok") : status.error().code;
  };
  CHECK(code("other-secret", "1700000000", signature, body) == "invalid_signature");
  CHECK(code("shh-secret", "1700000001", signature, body) == "invalid_signature");
  CHECK(code("shh-secret", "1700000000", signature, R"({"id":"msg-2"})") == "invalid_signature");
  CHECK(code("shh-secret", "1700000000", "", body) == "invalid_signature");
  CHECK(code("shh-secret", "1700000000", "v0=" + signature.substr(3), body) == "invalid_signature");
}

TEST_CASE("stale, future, missing or malformed timestamps are refused", "[api][signature]") {
  const std::string body = "{}";
  auto code = [&](std::string_view ts, std::int64_t now) {
    auto status = verify_request("s", ts, sign_request("s", 1'700'000'000, body), body, now);
    return status.ok() ? std::string("ok") : status.error().code;
  };
  CHECK(code("1700000000", 1'700'000'301) == "stale_timestamp");
  CHECK(code("1700000000", 1'699'999'699) == "stale_timestamp");
  CHECK(code("", 1'700'000'000) == "stale_timestamp");
  CHECK(code("17e8", 1'700'000'000) == "stale_timestamp");
  CHECK(code(" 1700000000", 1'700'000'000) == "stale_timestamp");
}
