#include <catch2/catch.hpp>

#include "bridgebot/api/return_to.h"

using bridgebot::api::check_return_to;

namespace {

const std::vector<std::string> kOrigins = {"https://platform.example", "http://localhost:3000"};

// "ok" or the error message.
std::string verdict(std::string_view url, const std::vector<std::string>& origins = kOrigins) {
  auto status = check_return_to(url, origins);
  if (status.ok()) return "ok";
  CHECK(status.error().code == "invalid_field");
  CHECK(status.error().field == "return_to");
  return status.error().message;
}

}  // namespace

TEST_CASE("return_to may lead back to a listed origin only", "[api][return_to]") {
  CHECK(verdict("https://platform.example/spaces/42?tab=settings#slack") == "ok");
  CHECK(verdict("https://PLATFORM.example/") == "ok");
  CHECK(verdict("https://platform.example:443/x") == "ok");
  CHECK(verdict("HTTPS://platform.example") == "ok");
  CHECK(verdict("http://localhost:3000/done") == "ok");

  CHECK(verdict("https://evil.example/") != "ok");
  CHECK(verdict("https://platform.example.evil.example/") != "ok");
  CHECK(verdict("https://platform.example:8443/") != "ok");
  CHECK(verdict("http://platform.example/") != "ok");  // another scheme is another origin
  CHECK(verdict("http://localhost/") != "ok");
  CHECK(verdict("https://platform.example@evil.example/") != "ok");
  CHECK(verdict("javascript:alert(1)") != "ok");
  CHECK(verdict("//evil.example/") != "ok");
  CHECK(verdict("") != "ok");
  CHECK(verdict("https://evil.example/", {}) != "ok");
}

TEST_CASE("return_to cannot split the Location header", "[api][return_to]") {
  for (const char* url :
       {"https://platform.example/\r\nSet-Cookie: session=x", "https://platform.example/\nX: y",
        "https://platform.example/\r", "https://platform.example/ a", "https://platform.example/\t",
        "https://platform.example\\@evil.example/"}) {
    INFO(url);
    CHECK(verdict(url).find("control characters") != std::string::npos);
  }
}

TEST_CASE("with no origins configured every return_to is refused, naming the key",
          "[api][return_to]") {
  const std::string message = verdict("https://platform.example/", {});
  CHECK(message.find("platform.return_to_origins") != std::string::npos);
}
