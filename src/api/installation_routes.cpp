#include "bridgebot/api/installation_routes.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "bridgebot/bridge/connection_test.h"
#include "bridgebot/core/json.h"

namespace bridgebot::api {
namespace {

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i ? "," : "") + core::json_quote(items[i]);
  }
  return out + "]";
}

std::string optional_int(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

net::HttpResponse error_of(const Error& error) {
  return error_response(http_status_for(error), error);
}

Error invalid_field(std::string field, std::string message) {
  Error e = make_error("invalid_field", std::move(message));
  e.field = std::move(field);
  return e;
}

Result<rapidjson::Document> parse_object(std::string_view body) {
  auto doc = core::parse_json(body);
  if (!doc.ok()) return doc.error();
  if (!doc->IsObject()) return make_error("invalid_json", "the body must be a JSON object");
  return doc;
}

// PATCH body: only the documented fields, each with its type; anything else is refused so that
// a typo does not silently do nothing.
Result<bridge::InstallationEdit> parse_edit(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  bridge::InstallationEdit edit;
  for (const auto& member : doc->GetObject()) {
    const std::string name = member.name.GetString();
    if (member.value.IsString() &&
        !core::is_clean_text({member.value.GetString(), member.value.GetStringLength()})) {
      return invalid_field(name, name + " must not contain NUL (\\u0000)");
    }
    if (name == "workspace_domain" && member.value.IsString()) {
      edit.workspace_domain = member.value.GetString();
    } else if (name == "notification_channel" && member.value.IsString()) {
      edit.notification_channel = member.value.GetString();
    } else if (name == "sender_identity" && member.value.IsBool()) {
      edit.sender_identity = member.value.GetBool();
    } else if (name == "workspace_domain" || name == "notification_channel" ||
               name == "sender_identity") {
      return invalid_field(
          name, name == "sender_identity" ? "must be true or false" : "must be a string");
    } else {
      return invalid_field(name, "'" + name +
                                     "' cannot be edited: use workspace_domain, "
                                     "notification_channel or sender_identity");
    }
  }
  return edit;
}

std::string report_json(const bridge::ConnectionReport& r) {
  std::string body = "{\"ok\":" + std::string(r.ok ? "true" : "false");
  if (!r.ok) {
    body += ",\"error\":" + core::json_quote(r.error) +
            ",\"message\":" + core::json_quote(r.message) +
            ",\"action\":" + core::json_quote(r.action);
  }
  body +=
      ",\"team_id\":" + core::json_quote(r.team_id) + ",\"domain\":" + core::json_quote(r.domain) +
      ",\"bot_user_id\":" + core::json_quote(r.bot_user_id) +
      ",\"scopes\":" + string_array(r.scopes) +
      ",\"missing_scopes\":" + string_array(r.missing_scopes) +
      ",\"token_expires_at\":" + optional_int(r.token_expires_at) +
      ",\"socket_mode\":" + core::json_quote(r.socket_mode) +
      ",\"rate_limits\":{\"post_message_per_workspace_per_minute\":" +
      std::to_string(r.post_message_per_workspace_per_minute) + "}" + ",\"failing_destinations\":[";
  for (std::size_t i = 0; i < r.failing_destinations.size(); ++i) {
    const auto& problem = r.failing_destinations[i];
    body += std::string(i ? "," : "") +
            "{\"destination\":" + core::json_quote(problem.destination) +
            ",\"reason\":" + core::json_quote(problem.reason) +
            ",\"failed_items\":" + std::to_string(problem.failed_items) +
            ",\"action\":" + core::json_quote(problem.action) + "}";
  }
  body += "],\"sources\":[";
  for (std::size_t i = 0; i < r.sources.size(); ++i) {
    const auto& source = r.sources[i];
    const auto& a = source.activity;
    body += std::string(i ? "," : "") + "{\"kind\":" + core::json_quote(source.kind) +
            ",\"id\":" + core::json_quote(source.id) +
            ",\"domain\":" + core::json_quote(source.domain) +
            ",\"route\":" + core::json_quote(source.route) +
            ",\"status\":" + core::json_quote(source.status) +
            ",\"last_event_id\":" + core::json_quote(a.last_event_id) +
            ",\"last_event_at\":" + optional_int(a.last_event_at) +
            ",\"last_failure\":" + core::json_quote(a.last_failure) +
            ",\"last_failure_at\":" + optional_int(a.last_failure_at) +
            ",\"action\":" + core::json_quote(source.action) + "}";
  }
  return body + "]}";
}

class InstallationRoutes : public std::enable_shared_from_this<InstallationRoutes> {
 public:
  InstallationRoutes(PlatformApi& api, InstallationRoutesDeps deps)
      : api_(api), deps_(std::move(deps)) {}

  void add() {
    Router& router = api_.router();
    router.add("GET", "/v1/installations",
               route([this](const net::HttpRequest&, const PathParams&) { return list(); }));
    router.add("POST", "/v1/installations",
               route([this](const net::HttpRequest& r, const PathParams&) { return create(r); }));
    router.add(
        "POST", "/v1/installations/{team}/test",
        route([this](const net::HttpRequest&, const PathParams& p) { return test(p.at("team")); }));
    router.add("POST", "/v1/installations/{team}/rotate",
               route([this](const net::HttpRequest&, const PathParams& p) {
                 return rotate(p.at("team"));
               }));
    router.add("PATCH", "/v1/installations/{team}",
               route([this](const net::HttpRequest& r, const PathParams& p) {
                 return edit(p.at("team"), r);
               }));
    router.add("DELETE", "/v1/installations/{team}",
               route([this](const net::HttpRequest&, const PathParams& p) {
                 return disconnect(p.at("team"));
               }));
  }

 private:
  using Work = std::function<net::HttpResponse(const net::HttpRequest&, const PathParams&)>;

  // Admin-authenticated, and run on a worker: every handler here blocks on the store or Slack.
  // Each closure shares ownership of this object, so it lives as long as the router's routes.
  RouteHandler route(Work work) {
    return api_.admin_route(
        [self = shared_from_this(), work = std::move(work)](
            const net::HttpRequest& request, const PathParams& params, net::Responder respond) {
          self->api_.on_worker(std::move(respond),
                               [self, work, request, params] { return work(request, params); });
        });
  }

  std::string socket_mode(std::string_view team_id) const {
    return deps_.socket_mode_state ? deps_.socket_mode_state(team_id) : std::string();
  }

  Result<std::string> describe(const store::Installation& inst) const {
    auto usage = deps_.store.team_usage(inst.team_id);
    if (!usage.ok()) return usage.error();
    return installation_json(inst, socket_mode(inst.team_id), *usage,
                             deps_.installations.missing_scopes(inst.scopes));
  }

  net::HttpResponse one(int status, const store::Installation& inst) const {
    auto body = describe(inst);
    if (!body.ok()) return error_of(body.error());
    return json_response(status, *body);
  }

  net::HttpResponse list() const {
    auto all = deps_.store.list_installations();
    if (!all.ok()) return error_of(all.error());
    std::string body = "{\"installations\":[";
    bool first = true;
    for (const auto& inst : *all) {
      if (inst.state != store::InstallationState::active) continue;
      auto described = describe(inst);
      if (!described.ok()) return error_of(described.error());
      body += (first ? "" : ",") + *described;
      first = false;
    }
    return json_response(200, body + "]}");
  }

  net::HttpResponse create(const net::HttpRequest& request) const {
    auto doc = parse_object(request.body);
    if (!doc.ok()) return error_response(400, doc.error());
    auto token = core::json_string(*doc, "bot_token");
    if (!token) return error_response(400, invalid_field("bot_token", "bot_token is required"));
    auto domain = core::json_string(*doc, "workspace_domain");
    if (!domain) {
      return error_response(400, invalid_field("workspace_domain", "workspace_domain is required"));
    }
    for (const auto& [name, value] :
         {std::pair{"bot_token", &*token}, {"workspace_domain", &*domain}}) {
      if (!core::is_clean_text(*value)) {
        return error_response(
            400, invalid_field(name, std::string(name) + " must not contain NUL (\\u0000)"));
      }
    }
    bool created = false;
    auto inst = deps_.installations.install_bot_token(*token, *domain, &created);
    if (!inst.ok()) return error_of(inst.error());
    return one(created ? 201 : 200, *inst);
  }

  net::HttpResponse test(const std::string& team_id) const {
    auto report = deps_.installations.test_connection(team_id, socket_mode(team_id));
    if (!report.ok()) return error_of(report.error());
    return json_response(200, report_json(*report));
  }

  net::HttpResponse rotate(const std::string& team_id) const {
    auto inst = deps_.installations.rotate(team_id);
    if (!inst.ok()) return error_of(inst.error());
    return one(200, *inst);
  }

  net::HttpResponse edit(const std::string& team_id, const net::HttpRequest& request) const {
    auto changes = parse_edit(request.body);
    if (!changes.ok()) return error_response(400, changes.error());
    auto inst = deps_.installations.edit(team_id, *changes);
    if (!inst.ok()) return error_of(inst.error());
    return one(200, *inst);
  }

  net::HttpResponse disconnect(const std::string& team_id) const {
    auto outcome = deps_.installations.disconnect(team_id);
    if (!outcome.ok()) return error_of(outcome.error());
    net::HttpResponse response;
    response.status = 204;
    // 204 has no body: whether Slack took the revocation travels in a header.
    response.headers.set("X-Bridge-Token-Revoked", outcome->token_revoked ? "true" : "false");
    response.headers.set(
        "X-Bridge-User-Tokens-Revoked",
        std::to_string(outcome->user_tokens_revoked) + "/" + std::to_string(outcome->user_tokens));
    if (!outcome->token_revoked) {
      response.headers.set("X-Bridge-Warning",
                           "Slack could not revoke the token (" + outcome->revoke_error +
                               "); everything was deleted here, revoke it in the app settings");
    } else if (outcome->user_tokens_revoked < outcome->user_tokens) {
      response.headers.set("X-Bridge-Warning",
                           "Slack did not revoke " +
                               std::to_string(outcome->user_tokens - outcome->user_tokens_revoked) +
                               " personal Connect token(s); they were deleted here");
    }
    return response;
  }

  PlatformApi& api_;
  InstallationRoutesDeps deps_;
};

}  // namespace

std::string installation_json(const store::Installation& inst, const std::string& socket_mode_state,
                              const store::TeamUsage& usage,
                              const std::vector<std::string>& missing_scopes) {
  std::string body = "{\"team_id\":" + core::json_quote(inst.team_id) +
                     ",\"team_name\":" + core::json_quote(inst.team_name) +
                     ",\"domain\":" + core::json_quote(inst.domain) +
                     ",\"bot_user_id\":" + core::json_quote(inst.bot_user_id) +
                     ",\"scopes\":" + string_array(inst.scopes) +
                     ",\"missing_scopes\":" + string_array(missing_scopes) +
                     ",\"rotating\":" + (inst.refresh_token.empty() ? "false" : "true") +
                     ",\"token_expires_at\":" + optional_int(inst.token_expires_at) +
                     ",\"state\":" + core::json_quote(std::string(store::to_string(inst.state))) +
                     ",\"socket_mode\":" + core::json_quote(socket_mode_state) +
                     ",\"notification_channel\":" + core::json_quote(inst.notification_channel) +
                     ",\"sender_identity\":" + (inst.sender_identity ? "true" : "false");
  if (inst.incoming_webhook) {
    body +=
        ",\"incoming_webhook\":{\"channel\":" + core::json_quote(inst.incoming_webhook->channel) +
        ",\"channel_id\":" + core::json_quote(inst.incoming_webhook->channel_id) + "}";
  }
  return body + ",\"links\":" + std::to_string(usage.links) +
         ",\"connected_users\":" + std::to_string(usage.connected_users) +
         ",\"queued_items\":" + std::to_string(usage.queued_items) +
         ",\"installed_at\":" + std::to_string(inst.installed_at) + "}";
}

void add_installation_routes(PlatformApi& api, InstallationRoutesDeps deps) {
  std::make_shared<InstallationRoutes>(api, std::move(deps))->add();
}

}  // namespace bridgebot::api
