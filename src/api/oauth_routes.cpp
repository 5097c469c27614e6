#include "bridgebot/api/oauth_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "bridgebot/api/return_to.h"
#include "bridgebot/core/json.h"
#include "bridgebot/slack/scopes.h"
#include "html_page.h"

namespace bridgebot::api {
namespace {

// What the person on the page (or the admin behind them) should do after oauth.v2.access refused.
std::string exchange_advice(const std::string& code) {
  if (code == "invalid_client_id" || code == "bad_client_secret") {
    return "bridgebot's slack.oauth.client_id or client_secret does not match the app's Basic "
           "Information page: the admin must fix the configuration.";
  }
  if (code == "bad_redirect_uri" || code == "oauth_authorization_url_mismatch") {
    return "slack.oauth.redirect_url must be listed under the app's OAuth & Permissions > "
           "Redirect URLs: the admin must add it.";
  }
  if (code == "invalid_code" || code == "code_already_used") {
    return "The sign-in expired or was already used: start again from the beginning.";
  }
  return "Try again; if it keeps failing, tell the admin.";
}

constexpr std::string_view kRedirectPath = "/slack/oauth_redirect";

net::HttpResponse redirect_to(const std::string& location) {
  net::HttpResponse response;
  response.status = 302;
  response.headers.set("Location", location);
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Referrer-Policy", "no-referrer");
  return response;
}

// Where this bridge is reachable from browsers: redirect_url without /slack/oauth_redirect.
std::string public_base_url(const std::string& redirect_url) {
  if (redirect_url.size() >= kRedirectPath.size() &&
      redirect_url.compare(redirect_url.size() - kRedirectPath.size(), kRedirectPath.size(),
                           kRedirectPath) == 0) {
    return redirect_url.substr(0, redirect_url.size() - kRedirectPath.size());
  }
  auto url = net::parse_url(redirect_url);
  if (!url.ok()) return redirect_url;
  return url->scheme + "://" + url->host + ":" + std::to_string(url->port);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

class OAuthRoutes : public std::enable_shared_from_this<OAuthRoutes> {
 public:
  OAuthRoutes(PlatformApi& api, OAuthRoutesDeps deps) : api_(api), deps_(std::move(deps)) {}

  void add() {
    auto self = shared_from_this();
    Router& router = api_.router();
    router.add("GET", "/slack/install",
               [self](const net::HttpRequest&, const PathParams&, net::Responder respond) {
                 self->api_.on_worker(std::move(respond), [self] { return self->install(); });
               });
    router.add("GET", std::string(kRedirectPath),
               [self](const net::HttpRequest& request, const PathParams&, net::Responder respond) {
                 self->api_.on_worker(std::move(respond),
                                      [self, request] { return self->oauth_redirect(request); });
               });
    router.add("GET", "/slack/connect",
               [self](const net::HttpRequest& request, const PathParams&, net::Responder respond) {
                 self->api_.on_worker(std::move(respond),
                                      [self, request] { return self->connect(request); });
               });
    router.add("POST", "/v1/users/{user_id}/connect",
               api_.signed_route([self](const net::HttpRequest& request, const PathParams& params,
                                        net::Responder respond) {
                 self->api_.on_worker(std::move(respond), [self, request, params] {
                   return self->connect_link(params.at("user_id"), request.body);
                 });
               }));
  }

 private:
  const core::OAuthConfig* oauth() const {
    return deps_.config.slack.oauth ? &*deps_.config.slack.oauth : nullptr;
  }

  static net::HttpResponse not_configured() {
    return html_page(404, "Add to Slack is not set up",
                     "This bridge has no Slack OAuth client configured (slack.oauth). Ask its "
                     "administrator to add it, or install with a bot token.");
  }

  // issue() failed: a flood of unfinished sign-ins (503, try later) or the store.
  static net::HttpResponse cannot_start(const Error& error) {
    if (error.code != "too_many_sign_ins") {
      spdlog::warn("OAuth: cannot record a sign-in: {}", error.to_string());
      return html_page(503, "Try again", "bridgebot cannot start a sign-in right now: try again.");
    }
    auto page = html_page(503, "Too many sign-ins", error.message);
    page.headers.set("Retry-After", "60");
    return page;
  }

  std::string authorize_url(const std::vector<std::pair<std::string, std::string>>& fields) const {
    const std::string& base = deps_.config.slack.oauth_base_url;
    return base + (base.find('?') == std::string::npos ? "?" : "&") + net::form_encode(fields);
  }

  net::HttpResponse install() const {
    const auto* config = oauth();
    if (!config) return not_configured();
    std::vector<std::string> scopes(slack::kRequiredBotScopes.begin(),
                                    slack::kRequiredBotScopes.end());
    for (const auto& extra : config->extra_scopes) {
      if (std::find(scopes.begin(), scopes.end(), extra) == scopes.end()) scopes.push_back(extra);
    }
    auto state = deps_.states.issue({bridge::OAuthFlow::install, {}, {}, {}, {}});
    if (!state.ok()) return cannot_start(state.error());
    return redirect_to(authorize_url({{"client_id", config->client_id},
                                      {"scope", joined(scopes)},
                                      {"redirect_uri", config->redirect_url},
                                      {"state", *state}}));
  }

  net::HttpResponse oauth_redirect(const net::HttpRequest& request) const {
    const auto* config = oauth();
    if (!config) return not_configured();
    auto state = deps_.states.consume(request.query_param("state"),
                                      {bridge::OAuthFlow::install, bridge::OAuthFlow::connect});
    if (!state.ok()) return html_page(400, "This link does not work", state.error().message);
    if (!request.query_param("error").empty()) {
      const bool denied = request.query_param("error") == "access_denied";
      return html_page(denied ? 200 : 400, denied ? "Cancelled" : "Slack refused",
                       denied ? "You cancelled on Slack's page: nothing was changed."
                              : "Slack answered " + request.query_param("error") +
                                    ": nothing was changed. Try again.");
    }
    const std::string code = request.query_param("code");
    if (code.empty()) return html_page(400, "Slack refused", "Slack sent no code: try again.");
    auto access = deps_.slack.oauth_v2_access(
        {config->client_id, config->client_secret},
        slack::OAuthGrant::authorization_code(code, config->redirect_url));
    if (!access.ok()) {
      spdlog::warn("OAuth code exchange failed: {}", access.error().to_string());
      return html_page(502, "Slack refused",
                       "Slack did not accept the sign-in (" + access.error().code + "). " +
                           exchange_advice(access.error().code));
    }
    if (state->flow == bridge::OAuthFlow::install) return finish_install(*access);
    return finish_connect(*state, *access);
  }

  net::HttpResponse finish_install(const slack::OAuthAccess& access) const {
    auto inst = deps_.installations.install_oauth(access);
    if (!inst.ok()) {
      return html_page(502, "Installation failed",
                       inst.error().message.empty() ? inst.error().code : inst.error().message);
    }
    std::string text = "bridgebot is now installed in " +
                       (inst->team_name.empty() ? inst->domain : inst->team_name) + ".";
    if (inst->incoming_webhook) {
      text += " Notifications without a channel go to " + inst->incoming_webhook->channel + ".";
    }
    return html_page(200, "Installed", text + " You can close this page.");
  }

  net::HttpResponse finish_connect(const bridge::OAuthStatePayload& state,
                                   const slack::OAuthAccess& access) const {
    auto link = deps_.installations.connect_user(state.team_id, state.platform_user_id, state.email,
                                                 access);
    if (!link.ok()) {
      const bool mismatch = link.error().code == "email_mismatch";
      return html_page(mismatch ? 409 : 502,
                       mismatch ? "Wrong Slack account" : "Connecting Slack failed",
                       link.error().message);
    }
    // Checked again: the configuration may have changed since the link was made.
    if (!check_return_to(state.return_to, deps_.config.platform.return_to_origins).ok()) {
      return html_page(200, "Connected",
                       "Your Slack account is connected. You can close this page.");
    }
    return redirect_to(state.return_to);
  }

  net::HttpResponse connect(const net::HttpRequest& request) const {
    const auto* config = oauth();
    if (!config) return not_configured();
    auto link = deps_.states.consume(request.query_param("t"), {bridge::OAuthFlow::connect_link});
    if (!link.ok()) return html_page(400, "This link does not work", link.error().message);
    bridge::OAuthStatePayload next = *link;
    next.flow = bridge::OAuthFlow::connect;
    auto state = deps_.states.issue(next);
    if (!state.ok()) return cannot_start(state.error());
    return redirect_to(authorize_url({{"client_id", config->client_id},
                                      {"user_scope", "chat:write"},
                                      {"redirect_uri", config->redirect_url},
                                      {"team", next.team_id},
                                      {"state", *state}}));
  }

  net::HttpResponse connect_link(const std::string& user_id, const std::string& body) const {
    const auto* config = oauth();
    if (!config) {
      return error_response(409, "oauth_not_configured",
                            "personal Connect needs slack.oauth in the bridge's configuration");
    }
    auto doc = core::parse_json(body);
    if (!doc.ok()) return error_response(400, doc.error());
    if (!doc->IsObject()) return error_response(400, "invalid_json", "the body must be an object");
    auto field_error = [](const char* field, const std::string& message) {
      Error e = make_error("invalid_field", message);
      e.field = field;
      return error_response(400, e);
    };
    for (const char* field : {"email", "team_id", "return_to"}) {
      if (!core::is_clean_text(core::json_string_or(*doc, field))) {
        return field_error(field, std::string(field) + " must not contain NUL (\\u0000)");
      }
    }
    auto email = core::json_string(*doc, "email");
    if (!email || email->find('@') == std::string::npos) {
      return field_error("email", "email must be the user's email address");
    }
    auto team_id = core::json_string(*doc, "team_id");
    if (!team_id || team_id->empty()) return field_error("team_id", "team_id is required");
    auto return_to = core::json_string(*doc, "return_to");
    if (!return_to) return field_error("return_to", "return_to is required");
    if (auto allowed = check_return_to(*return_to, deps_.config.platform.return_to_origins);
        !allowed.ok()) {
      return error_response(400, allowed.error());
    }
    if (auto inst = deps_.installations.active(*team_id); !inst.ok()) {
      return error_response(http_status_for(inst.error()), inst.error());
    }
    auto t = deps_.states.issue(
        {bridge::OAuthFlow::connect_link, *team_id, user_id, *email, *return_to});
    if (!t.ok()) {
      auto refused = error_response(http_status_for(t.error()), t.error());
      if (t.error().code == "too_many_sign_ins") refused.headers.set("Retry-After", "60");
      return refused;
    }
    return json_response(200, "{\"url\":" +
                                  core::json_quote(public_base_url(config->redirect_url) +
                                                   "/slack/connect?t=" + *t) +
                                  "}");
  }

  PlatformApi& api_;
  OAuthRoutesDeps deps_;
};

}  // namespace

void add_oauth_routes(PlatformApi& api, OAuthRoutesDeps deps) {
  std::make_shared<OAuthRoutes>(api, std::move(deps))->add();
}

}  // namespace bridgebot::api
