#include <catch2/catch.hpp>

#include "bridgebot/api/signature.h"

using namespace bridgebot::api;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// "ok" or the error code of verifying one request at kNow.
std::string verdict(std::string_view secret, std::string_view method, std::string_view target,
                    std::string_view ts, std::string_view signature, std::string_view body,
                    bool accept_v1 = true, std::int64_t now = kNow) {
  auto status = verify_request(secret, {method, target, ts, signature, body}, accept_v1, now);
  return status.ok() ? std::string("ok") : status.error().code;
}

}  // namespace

TEST_CASE("a v2 signature within the window is accepted", "[api][signature]") {
  const std::string body = R"({"id":"msg-1"})";
  const std::string signature = sign_v2("shh-secret", kNow, "POST", "/v1/messages", body);
  CHECK(signature.rfind("v2=", 0) == 0);
  CHECK(signature.size() == 3 + 64);
  CHECK(sign_v2("shh-secret", kNow, "post", "/v1/messages", body) == signature);
  for (std::int64_t now : {kNow, kNow + 300, kNow - 300}) {
    CHECK(verdict("shh-secret", "POST", "/v1/messages", "1700000000", signature, body, false,
                  now) == "ok");
  }
}

TEST_CASE("v2 covers secret, timestamp, method, path with query and every body byte",
          "[api][signature]") {
  const std::string body = R"({"email":"bob@example.com"})";
  const std::string target = "/v1/users/p-bob/link?team_id=T0001";
  const std::string signature = sign_v2("shh-secret", kNow, "PUT", target, body);
  CHECK(verdict("shh-secret", "PUT", target, "1700000000", signature, body) == "ok");
  CHECK(verdict("other-secret", "PUT", target, "1700000000", signature, body) ==
        "invalid_signature");
  CHECK(verdict("shh-secret", "PUT", target, "1700000001", signature, body) == "invalid_signature");
  CHECK(verdict("shh-secret", "DELETE", target, "1700000000", signature, body) ==
        "invalid_signature");
  CHECK(verdict("shh-secret", "PUT", "/v1/users/p-eve/link?team_id=T0001", "1700000000", signature,
                body) == "invalid_signature");
  CHECK(verdict("shh-secret", "PUT", "/v1/users/p-bob/link?team_id=T0002", "1700000000", signature,
                body) == "invalid_signature");
  CHECK(verdict("shh-secret", "PUT", target, "1700000000", signature, body + " ") ==
        "invalid_signature");
  CHECK(verdict("shh-secret", "PUT", target, "1700000000", "", body) == "invalid_signature");
  CHECK(verdict("shh-secret", "PUT", target, "1700000000", "v0=" + signature.substr(3), body) ==
        "invalid_signature");
}

TEST_CASE("a signed GET replayed as DELETE of a link is refused", "[api][signature]") {
  const std::string get = sign_v2("s", kNow, "GET", "/v1/users/p-bob/link", "");
  CHECK(verdict("s", "GET", "/v1/users/p-bob/link", "1700000000", get, "") == "ok");
  CHECK(verdict("s", "DELETE", "/v1/users/p-bob/link", "1700000000", get, "") ==
        "invalid_signature");
  // The same replay with a v1 signature (timestamp and empty body only) on a route that does not
  // take v1.
  const std::string v1 = sign_v1("s", kNow, "");
  CHECK(verdict("s", "DELETE", "/v1/users/p-bob/link", "1700000000", v1, "", false) ==
        "invalid_signature");
}

TEST_CASE("v1 verifies only where the caller accepts it", "[api][signature]") {
  const std::string body = R"({"id":"msg-1"})";
  const std::string v1 = sign_v1("s", kNow, body);
  CHECK(v1.rfind("v1=", 0) == 0);
  CHECK(verdict("s", "POST", "/v1/messages", "1700000000", v1, body, true) == "ok");
  CHECK(verdict("s", "POST", "/v1/messages", "1700000000", v1, body, false) == "invalid_signature");
  auto refused = verify_request("s", {"POST", "/v1/messages", "1700000000", v1, body}, false, kNow);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("v2") != std::string::npos);
}

TEST_CASE("one matching entry among several is enough", "[api][signature]") {
  const std::string body = "{}";
  const std::string v1 = sign_v1("s", kNow, body);
  const std::string v2 = sign_v2("s", kNow, "POST", "/v1/notifications", body);
  const std::string bad = "v2=" + std::string(64, '0');
  CHECK(verdict("s", "POST", "/v1/notifications", "1700000000", v1 + "," + v2, body, false) ==
        "ok");
  CHECK(verdict("s", "POST", "/v1/notifications", "1700000000", bad + ", " + v2, body, false) ==
        "ok");
  CHECK(verdict("s", "POST", "/v1/notifications", "1700000000", v1 + "," + bad, body, true) ==
        "ok");
  CHECK(verdict("s", "POST", "/v1/notifications", "1700000000", v1 + "," + bad, body, false) ==
        "invalid_signature");
  CHECK(verdict("s", "POST", "/v1/notifications", "1700000000", ",,,", body) ==
        "invalid_signature");
}

TEST_CASE("only POST messages and notifications are v1 routes", "[api][signature]") {
  CHECK(v1_route("POST", "/v1/messages"));
  CHECK(v1_route("POST", "/v1/notifications"));
  CHECK_FALSE(v1_route("GET", "/v1/messages"));
  CHECK_FALSE(v1_route("GET", "/v1/messages/msg-1"));
  CHECK_FALSE(v1_route("DELETE", "/v1/users/p-bob/link"));
  CHECK_FALSE(v1_route("PUT", "/v1/users/p-bob/link"));
  CHECK_FALSE(v1_route("POST", "/v1/users/p-bob/connect"));
}

TEST_CASE("stale, future, missing or malformed timestamps are refused", "[api][signature]") {
  const std::string body = "{}";
  const std::string signature = sign_v2("s", kNow, "POST", "/v1/messages", body);
  auto code = [&](std::string_view ts, std::int64_t now) {
    return verdict("s", "POST", "/v1/messages", ts, signature, body, true, now);
  };
  CHECK(code("1700000000", kNow + 301) == "stale_timestamp");
  CHECK(code("1700000000", kNow - 301) == "stale_timestamp");
  CHECK(code("", kNow) == "stale_timestamp");
  CHECK(code("17e8", kNow) == "stale_timestamp");
  CHECK(code(" 1700000000", kNow) == "stale_timestamp");
}
