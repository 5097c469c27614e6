// docs/openapi.yaml against the real binary: every route the server answers is documented and
// every documented route is answered (the bot lists its routes at log level debug), and the
// errors the server sends for common mistakes have a documented status and the documented Error
// shape.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "bridgebot/core/json.h"
#include "support/cli_fixture.h"

using namespace bridgebot;
using namespace bridgebot::test;

namespace {

YAML::Node openapi() {
  return YAML::LoadFile(std::string(BRIDGEBOT_SOURCE_DIR) + "/docs/openapi.yaml");
}

// Path parameters compared by position, not name: "/v1/users/{user_id}/link" ->
// "/v1/users/{}/link".
std::string shape(const std::string& path) {
  static const std::regex parameter("\\{[^}]*\\}");
  return std::regex_replace(path, parameter, "{}");
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::set<std::string> documented_routes(const YAML::Node& doc) {
  std::set<std::string> routes;
  for (const auto& path : doc["paths"]) {
    for (const auto& operation : path.second) {
      const auto method = operation.first.as<std::string>();
      if (method != "parameters") routes.insert(upper(method) + " " + shape(path.first.Scalar()));
    }
  }
  return routes;
}

std::set<std::string> served_routes(const std::string& bot_output) {
  static const std::regex line("platform API route: ([A-Z]+) (\\S+)");
  std::set<std::string> routes;
  for (std::sregex_iterator it(bot_output.begin(), bot_output.end(), line), end; it != end; ++it) {
    routes.insert((*it)[1].str() + " " + shape((*it)[2].str()));
  }
  return routes;
}

// Follows a local "$ref: '#/components/...'" (one level is all this file uses).
YAML::Node resolve(const YAML::Node& doc, const YAML::Node& node) {
  if (!node["$ref"]) return node;
  const auto ref = node["$ref"].as<std::string>();
  REQUIRE(ref.rfind("#/components/", 0) == 0);
  const auto rest = ref.substr(13);
  const auto slash = rest.find('/');
  return doc["components"][rest.substr(0, slash)][rest.substr(slash + 1)];
}

// The JSON schema documented for `status` of the operation at documented path `path`; a null
// node when that status is not documented there.
YAML::Node documented_error_schema(const YAML::Node& doc, const std::string& method,
                                   const std::string& path, int status) {
  const auto operation = doc["paths"][path][method];
  if (!operation) return YAML::Node();
  const auto response = operation["responses"][std::to_string(status)];
  if (!response) return YAML::Node();
  const auto json = resolve(doc, response)["content"]["application/json"];
  return json ? resolve(doc, json["schema"]) : YAML::Node(YAML::NodeType::Undefined);
}

// "" when `body` is what the object schema says (required members present, no others when
// additionalProperties is false, each member of its type); else what differs.
std::string shape_problem(const YAML::Node& schema, const std::string& body) {
  auto doc = core::parse_json(body);
  if (!doc.ok() || !doc->IsObject()) return "not a JSON object";
  for (const auto& name : schema["required"]) {
    if (!doc->HasMember(name.as<std::string>().c_str()))
      return "no member " + name.as<std::string>();
  }
  for (const auto& member : doc->GetObject()) {
    const auto property = schema["properties"][member.name.GetString()];
    if (!property) {
      if (schema["additionalProperties"] && !schema["additionalProperties"].as<bool>()) {
        return std::string("undocumented member ") + member.name.GetString();
      }
      continue;
    }
    if (property["type"].as<std::string>() == "string" && !member.value.IsString()) {
      return std::string(member.name.GetString()) + " is not a string";
    }
  }
  return "";
}

net::HttpResponse raw(Bridge& bridge, const std::string& method, const std::string& target,
                      const std::string& body, bool admin) {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  auto http = net::make_http_client(options);
  net::ClientRequest request;
  request.method = method;
  request.url = bridge.bot->base_url() + target;
  request.body = body;
  if (admin) request.headers.set("Authorization", std::string("Bearer ") + kAdminToken);
  if (!body.empty()) request.headers.set("Content-Type", "application/json");
  auto response = http->send(request);
  if (!response.ok()) FAIL(method << " " << target << ": " << response.error().to_string());
  return *response;
}

enum class Auth { none, signed_request, admin };

struct Probe {
  std::string method;  // lower case, as in the document
  std::string path;    // the documented path
  std::string target;  // what is requested
  std::string body;
  Auth auth;
  int status;  // what the server must answer
};

}  // namespace

TEST_CASE("docs/openapi.yaml lists every route the server answers, and only those",
          "[cli][openapi]") {
  Bridge bridge;
  bridge.settings.log_level = "debug";
  bridge.enable_oauth();
  bridge.settings.events_mode = "http";  // serves POST /slack/events
  bridge.settings.slack_signing_secret = "openapi-slack-signing-secret";
  bridge.start_bot();
  const auto served = served_routes(bridge.bot->output());
  const auto documented = documented_routes(openapi());
  REQUIRE(served.size() > 20);
  for (const auto& route : served) {
    INFO("the server answers " << route << ": document it in docs/openapi.yaml");
    CHECK(documented.count(route) == 1);
  }
  for (const auto& route : documented) {
    INFO("docs/openapi.yaml documents " << route << ", which the server does not answer");
    CHECK(served.count(route) == 1);
  }
}

TEST_CASE("the errors the server sends have a documented status and the documented Error shape",
          "[cli][openapi]") {
  Bridge bridge;
  bridge.start_bot();
  const auto doc = openapi();
  const auto error_schema = doc["components"]["schemas"]["Error"];
  REQUIRE(error_schema["additionalProperties"].as<bool>() == false);

  const std::vector<Probe> probes = {
      {"post", "/v1/messages", "/v1/messages", "{}", Auth::none, 401},
      {"post", "/v1/messages", "/v1/messages", "not json", Auth::signed_request, 400},
      {"get", "/v1/messages/{id}", "/v1/messages/nope", "", Auth::signed_request, 404},
      {"post", "/v1/notifications", "/v1/notifications",
       R"({"id":"n-1","route":"nowhere","title":"t","text":"x"})", Auth::signed_request, 422},
      {"get", "/v1/notifications/{id}", "/v1/notifications/nope", "", Auth::signed_request, 404},
      {"put", "/v1/users/{user_id}/link", "/v1/users/p-1/link", R"({"team_id":"T0001"})",
       Auth::signed_request, 400},
      {"get", "/v1/users/{user_id}/link", "/v1/users/p-1/link?team_id=T0001", "",
       Auth::signed_request, 404},
      {"post", "/v1/users/{user_id}/connect", "/v1/users/p-1/connect", "{}", Auth::none, 401},
      {"get", "/v1/installations", "/v1/installations", "", Auth::none, 401},
      {"post", "/v1/installations", "/v1/installations", R"({"workspace_domain":"acme"})",
       Auth::admin, 400},
      {"patch", "/v1/installations/{team}", "/v1/installations/T0001", R"({"bogus":1})",
       Auth::admin, 400},
      {"post", "/v1/installations/{team}/rotate", "/v1/installations/T0001/rotate", "", Auth::admin,
       409},
      {"post", "/v1/installations/{team}/test", "/v1/installations/T9/test", "", Auth::admin, 404},
      {"delete", "/v1/installations/{team}", "/v1/installations/T9", "", Auth::admin, 404},
  };
  for (const auto& probe : probes) {
    net::HttpResponse response;
    if (probe.auth == Auth::signed_request) {
      const auto answer = bridge.api->send(upper(probe.method), probe.target, probe.body);
      response.status = answer.status;
      response.body = answer.body;
    } else {
      response =
          raw(bridge, upper(probe.method), probe.target, probe.body, probe.auth == Auth::admin);
    }
    INFO(upper(probe.method) << " " << probe.target << " -> " << response.status << " "
                             << response.body);
    CHECK(response.status == probe.status);
    const auto schema = documented_error_schema(doc, probe.method, probe.path, response.status);
    INFO("the status must be documented for " << probe.path << " with the Error schema");
    REQUIRE(schema.IsMap());
    CHECK(schema.is(error_schema));
    CHECK(shape_problem(schema, response.body) == "");
  }
}
