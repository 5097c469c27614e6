#include <catch2/catch.hpp>

#include "bridgebot/net/http.h"

using bridgebot::net::parse_url;

TEST_CASE("parse_url fills default ports and keeps the target", "[net][url]") {
  auto url = parse_url("https://slack.com/api/auth.test?x=1");
  REQUIRE(url.ok());
  CHECK(url->scheme == "https");
  CHECK(url->host == "slack.com");
  CHECK(url->port == 443);
  CHECK(url->target == "/api/auth.test?x=1");
  CHECK(url->secure());

  auto ws = parse_url("ws://127.0.0.1:9001");
  REQUIRE(ws.ok());
  CHECK(ws->port == 9001);
  CHECK(ws->target == "/");
  CHECK_FALSE(ws->secure());

  auto v6 = parse_url("http://[::1]:8080/x");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8080);
}

TEST_CASE("parse_url refuses what it cannot use", "[net][url]") {
  for (const char* text : {"slack.com/api", "ftp://slack.com/", "https://:443/", "https://a:0/",
                           "https://a:70000/", "https://user:pw@a/", "https://a:12x/"}) {
    INFO(text);
    auto url = parse_url(text);
    REQUIRE_FALSE(url.ok());
    CHECK(url.error().code == "invalid_url");
  }
}

TEST_CASE("headers compare names case-insensitively", "[net][headers]") {
  bridgebot::net::Headers headers;
  headers.add("X-OAuth-Scopes", "chat:write");
  CHECK(headers.get("x-oauth-scopes") == "chat:write");
  headers.set("x-oauth-scopes", "users:read");
  CHECK(headers.all().size() == 1);
  CHECK(headers.get("X-OAUTH-SCOPES") == "users:read");
  CHECK(headers.get("missing").empty());
}

TEST_CASE("query parameters and form bodies round-trip percent-encoding", "[net][form]") {
  bridgebot::net::HttpRequest request;
  request.target = "/slack/connect?t=a%2Bb%3D&return_to=https%3A%2F%2Fp.example%2Fx%3Fy%3D1";
  CHECK(request.path() == "/slack/connect");
  CHECK(request.query_param("t") == "a+b=");
  CHECK(request.query_param("return_to") == "https://p.example/x?y=1");
  CHECK(request.query_param("absent").empty());
  CHECK(bridgebot::net::form_encode({{"email", "bob+1@example.com"}, {"limit", "200"}}) ==
        "email=bob%2B1%40example.com&limit=200");
  CHECK(bridgebot::net::url_decode("a+b%20c%zz") == "a b c%zz");
}
