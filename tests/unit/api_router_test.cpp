#include <catch2/catch.hpp>

#include "bridgebot/api/router.h"
#include "bridgebot/core/json.h"

using namespace bridgebot;

namespace {

net::HttpResponse run(const api::Router& router, std::string method, std::string target) {
  net::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  net::HttpResponse out;
  router.dispatch(request, [&](net::HttpResponse r) { out = std::move(r); });
  return out;
}

}  // namespace

TEST_CASE("routes capture path parameters and answer 404/405 otherwise", "[api][router]") {
  api::Router router;
  std::string seen;
  router.add("GET", "/v1/messages/{id}",
             [&](const net::HttpRequest&, const api::PathParams& p, net::Responder respond) {
               seen = p.at("id");
               respond(api::json_response(200, "{}"));
             });
  router.add("PUT", "/v1/users/{user}/link",
             [&](const net::HttpRequest&, const api::PathParams& p, net::Responder respond) {
               seen = p.at("user");
               respond(api::json_response(200, "{}"));
             });

  CHECK(run(router, "GET", "/v1/messages/msg-1?x=y").status == 200);
  CHECK(seen == "msg-1");
  CHECK(run(router, "PUT", "/v1/users/p%2Falice/link").status == 200);
  CHECK(seen == "p/alice");

  auto wrong_method = run(router, "DELETE", "/v1/messages/msg-1");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.body.find("method_not_allowed") != std::string::npos);
  auto unknown = run(router, "GET", "/v1/nothing");
  CHECK(unknown.status == 404);
  CHECK(run(router, "GET", "/v1/messages").status == 404);
}

TEST_CASE("error bodies follow the contract's shape", "[api][router]") {
  Error e = make_error("invalid_field", "mentions[0].type must be one of user, all, here, group");
  e.field = "mentions[0].type";
  auto response = api::error_response(400, e);
  CHECK(response.status == 400);
  CHECK(response.headers.get("content-type").rfind("application/json", 0) == 0);
  auto doc = core::parse_json(response.body);
  REQUIRE(doc.ok());
  CHECK(core::json_string_or(*doc, "error") == "invalid_field");
  CHECK(core::json_string_or(*doc, "field") == "mentions[0].type");
  CHECK(core::json_string_or(*doc, "message").find("must be one of") != std::string::npos);
}
