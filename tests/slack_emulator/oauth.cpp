#include "oauth.h"

#include <cstdio>

#include "bridgebot/core/crypto.h"
#include "responses.h"

namespace bridgebot::emulator {
namespace {

std::string random_hex(std::mt19937_64& random) {
  char text[40];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return text;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::string current;
  for (char c : text + ",") {
    if (c == ',' || c == ' ') {
      if (!current.empty()) items.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  return items;
}

std::string join_commas(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

App* find_app_by_client(State& state, const std::string& client_id) {
  for (auto& [id, app] : state.apps) {
    if (app.client_id == client_id) return &app;
  }
  return nullptr;
}

// Client credentials from HTTP Basic (Slack's preferred form) or the form fields.
std::pair<std::string, std::string> client_credentials(const Params& params,
                                                       const std::string& authorization) {
  constexpr std::string_view kBasic = "Basic ";
  if (authorization.rfind(kBasic, 0) == 0) {
    auto decoded = core::base64_decode(authorization.substr(kBasic.size()));
    if (decoded.ok()) {
      auto colon = decoded->find(':');
      if (colon != std::string::npos)
        return {decoded->substr(0, colon), decoded->substr(colon + 1)};
    }
  }
  return {params.get("client_id"), params.get("client_secret")};
}

std::string with_query(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

// A new token of `kind`, with a refresh token when the app rotates; returns its value.
Token& issue_token(OAuthContext& context, const App& app, const std::string& team_id,
                   TokenKind kind, const std::string& user_id, std::vector<std::string> scopes,
                   std::string& refresh_token) {
  const bool rotating = app.token_rotation_enabled;
  const std::string prefix = kind == TokenKind::bot ? (rotating ? "xoxe.xoxb-1-" : "xoxb-")
                                                    : (rotating ? "xoxe.xoxp-1-" : "xoxp-");
  Token token{prefix + "emu-" + random_hex(context.random),
              team_id,
              kind,
              std::move(scopes),
              user_id,
              app.id};
  refresh_token.clear();
  if (rotating) {
    token.expires_at = context.now + app.rotating_token_lifetime;
    refresh_token = "xoxe-1-emu-" + random_hex(context.random);
    context.state.refresh_tokens[refresh_token] = RefreshToken{refresh_token, token.value, false};
  }
  const std::string value = token.value;
  context.state.add(std::move(token));
  return context.state.tokens[value];
}

void add_token_fields(rapidjson::Value& object, const Token& token, const std::string& refresh,
                      std::int64_t now, JsonAllocator& alloc) {
  add_string(object, "access_token", token.value, alloc);
  add_string(object, "token_type", token.kind == TokenKind::bot ? "bot" : "user", alloc);
  add_string(object, "scope", join_commas(token.scopes), alloc);
  if (!refresh.empty()) {
    add_string(object, "refresh_token", refresh, alloc);
    add_member(object, "expires_in", rapidjson::Value(token.expires_at.value_or(now) - now), alloc);
  }
}

void add_team(rapidjson::Document& reply, const State& state, const std::string& team_id) {
  auto& alloc = reply.GetAllocator();
  rapidjson::Value team(rapidjson::kObjectType);
  add_string(team, "id", team_id, alloc);
  const Workspace* workspace = state.find_workspace(team_id);
  add_string(team, "name", workspace ? workspace->name : "", alloc);
  add_member(reply, "team", std::move(team), alloc);
  add_member(reply, "enterprise", rapidjson::Value(rapidjson::kNullType), alloc);
  add_bool(reply, "is_enterprise_install", false, alloc);
}

// The app's bot user in a workspace: the user of an existing bot token of the app, else new.
std::string bot_user_of(OAuthContext& context, const App& app, const std::string& team_id) {
  for (const auto& [value, token] : context.state.tokens) {
    if (token.kind == TokenKind::bot && token.app_id == app.id && token.team_id == team_id) {
      return token.user_id;
    }
  }
  User bot;
  bot.id = context.state.next_id('U');
  bot.team_id = team_id;
  bot.name = bot.real_name = app.name;
  bot.is_bot = true;
  bot.bot_id = context.state.next_id('B');
  context.state.add(bot);
  return bot.id;
}

Status refresh(OAuthContext& context, const App& app, const Params& params,
               rapidjson::Document& reply) {
  auto found = context.state.refresh_tokens.find(params.get("refresh_token"));
  if (found == context.state.refresh_tokens.end() || found->second.used) {
    return make_error("invalid_refresh_token");
  }
  Token* old = context.state.find_token(found->second.access_token);
  if (old == nullptr || old->app_id != app.id) return make_error("invalid_refresh_token");
  found->second.used = true;
  old->state = TokenState::expired;  // the pair rotated: the old access token is refused
  const Token previous = *old;
  std::string next_refresh;
  const Token& fresh = issue_token(context, app, previous.team_id, previous.kind, previous.user_id,
                                   previous.scopes, next_refresh);
  auto& alloc = reply.GetAllocator();
  add_token_fields(reply, fresh, next_refresh, context.now, alloc);
  if (fresh.kind == TokenKind::bot) add_string(reply, "bot_user_id", fresh.user_id, alloc);
  add_string(reply, "app_id", app.id, alloc);
  add_team(reply, context.state, fresh.team_id);
  return Status::success();
}

Status exchange_code(OAuthContext& context, const App& app, const Params& params,
                     rapidjson::Document& reply) {
  auto found = context.state.oauth_codes.find(params.get("code"));
  if (found == context.state.oauth_codes.end() || found->second.used ||
      found->second.app_id != app.id) {
    return make_error("invalid_code");
  }
  OAuthCode& code = found->second;
  if (!code.redirect_uri.empty() && params.get("redirect_uri") != code.redirect_uri) {
    return make_error("bad_redirect_uri");
  }
  code.used = true;
  auto& alloc = reply.GetAllocator();
  add_string(reply, "app_id", app.id, alloc);
  add_team(reply, context.state, code.team_id);
  auto bot_scopes = split_commas(code.scope);
  if (!bot_scopes.empty()) {
    std::string refresh_token;
    const std::string bot_user = bot_user_of(context, app, code.team_id);
    const Token& bot = issue_token(context, app, code.team_id, TokenKind::bot, bot_user, bot_scopes,
                                   refresh_token);
    add_token_fields(reply, bot, refresh_token, context.now, alloc);
    add_string(reply, "bot_user_id", bot_user, alloc);
    if (bot.has_scope("incoming-webhook")) {
      std::string channel_id = context.state.consent.webhook_channel_id;
      for (const auto& [id, channel] : context.state.channels) {
        if (channel_id.empty() && channel.team_id == code.team_id) channel_id = id;
      }
      Channel* channel = context.state.find_channel(code.team_id, channel_id);
      IncomingWebhook hook{
          code.team_id + "/" + context.state.next_id('B') + "/" + random_hex(context.random),
          code.team_id, channel_id};
      rapidjson::Value webhook(rapidjson::kObjectType);
      add_string(webhook, "channel", "#" + (channel ? channel->name : channel_id), alloc);
      add_string(webhook, "channel_id", channel_id, alloc);
      add_string(webhook, "configuration_url", "https://emulator.invalid/apps/" + app.id, alloc);
      add_string(webhook, "url", context.base_url + "services/" + hook.id, alloc);
      add_member(reply, "incoming_webhook", std::move(webhook), alloc);
      context.state.add(std::move(hook));
    }
  }
  rapidjson::Value user(rapidjson::kObjectType);
  add_string(user, "id", code.user_id, alloc);
  auto user_scopes = split_commas(code.user_scope);
  if (!user_scopes.empty()) {
    std::string refresh_token;
    const Token& token = issue_token(context, app, code.team_id, TokenKind::user, code.user_id,
                                     user_scopes, refresh_token);
    add_token_fields(user, token, refresh_token, context.now, alloc);
  }
  add_member(reply, "authed_user", std::move(user), alloc);
  return Status::success();
}

}  // namespace

net::HttpResponse authorize(OAuthContext& context, const net::HttpRequest& request) {
  const App* app = find_app_by_client(context.state, request.query_param("client_id"));
  if (app == nullptr) return text_response(400, "invalid_client_id");
  const std::string redirect_uri = request.query_param("redirect_uri");
  if (redirect_uri.empty()) return text_response(400, "bad_redirect_uri");
  const std::string state = request.query_param("state");
  net::HttpResponse response;
  response.status = 302;
  const OAuthConsent& consent = context.state.consent;
  if (!consent.approve) {
    response.headers.set(
        "Location",
        with_query(redirect_uri, net::form_encode({{"error", "access_denied"}, {"state", state}})));
    return response;
  }
  std::string team_id = consent.team_id.empty() ? request.query_param("team") : consent.team_id;
  if (team_id.empty() && !context.state.workspaces.empty()) {
    team_id = context.state.workspaces.begin()->first;
  }
  std::string user_id = consent.user_id;
  for (const auto& user : context.state.users_of_team(team_id)) {
    if (user_id.empty() && !user.is_bot && !user.deleted && user.id != kSlackbotId) {
      user_id = user.id;
    }
  }
  OAuthCode code{random_hex(context.random),
                 app->id,
                 team_id,
                 user_id,
                 redirect_uri,
                 request.query_param("scope"),
                 request.query_param("user_scope"),
                 false};
  response.headers.set(
      "Location",
      with_query(redirect_uri, net::form_encode({{"code", code.code}, {"state", state}})));
  context.state.oauth_codes[code.code] = std::move(code);
  return response;
}

Status oauth_v2_access(OAuthContext& context, const Params& params,
                       const std::string& authorization, rapidjson::Document& reply) {
  auto [client_id, client_secret] = client_credentials(params, authorization);
  const App* app = find_app_by_client(context.state, client_id);
  if (app == nullptr) return make_error("invalid_client_id");
  if (app->client_secret != client_secret) return make_error("bad_client_secret");
  const std::string grant = params.get("grant_type");
  if (grant == "refresh_token") return refresh(context, *app, params, reply);
  if (grant.empty() || grant == "authorization_code") {
    return exchange_code(context, *app, params, reply);
  }
  return make_error("invalid_grant_type");
}

}  // namespace bridgebot::emulator
