// WebApi's typed calls: encoding each request and parsing each answer. The wire work (pacing,
// retries, error mapping) is ApiTransport's.
#include "bridgebot/slack/web_api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "api_transport.h"
#include "base64.h"
#include "bridgebot/core/json.h"
#include "json_fields.h"

namespace bridgebot::slack {
namespace {

constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kJson = "application/json; charset=utf-8";

using Fields = std::vector<std::pair<std::string, std::string>>;

ApiCall form_call(std::string method, const TeamToken& auth, const Fields& fields) {
  return {std::move(method),      auth.team_id, {},
          "Bearer " + auth.token, kForm,        net::form_encode(fields)};
}

// Builds a JSON object body. Embedded JSON (blocks, views) is checked first, so malformed input
// is refused here with the field named, never sent.
class JsonBody {
 public:
  // `capacity`: the bytes the body is expected to take, so that its buffer is not grown.
  explicit JsonBody(std::size_t capacity = 256) : buffer_(nullptr, capacity) {
    writer_.StartObject();
  }

  JsonBody& string(const char* key, std::string_view value) {
    writer_.Key(key);
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return *this;
  }
  JsonBody& boolean(const char* key, bool value) {
    writer_.Key(key);
    writer_.Bool(value);
    return *this;
  }
  // Embeds `json` as it is, after checking it is well-formed JSON of the expected type.
  Status embedded(const char* key, std::string_view json, rapidjson::Type expected) {
    auto type = core::check_json(json);
    if (!type.ok() || *type != expected) {
      Error e = make_error(std::string("invalid_") + key,
                           std::string("`") + key + "` is not a JSON " +
                               (expected == rapidjson::kArrayType ? "array" : "object"));
      e.field = key;
      return e;
    }
    written(key, json, expected);
    return Status::success();
  }
  // Embeds JSON our own writer produced, as it is (reading it again would only cost time).
  void written(const char* key, std::string_view json, rapidjson::Type type) {
    writer_.Key(key);
    writer_.RawValue(json.data(), json.size(), type);
  }
  std::string finish() {
    writer_.EndObject();
    return {buffer_.GetString(), buffer_.GetSize()};
  }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
};

ApiCall json_call(std::string method, const TeamToken& auth, std::string body) {
  return {std::move(method), auth.team_id, {}, "Bearer " + auth.token, kJson, std::move(body)};
}

// chat.postMessage and chat.update: of the answer only channel and ts are needed.
ApiCall post_call(std::string method, const TeamToken& auth, std::string body) {
  ApiCall call = json_call(std::move(method), auth, std::move(body));
  call.top_level_only = true;
  return call;
}

Result<SlackUser> user_of(const Result<ApiAnswer>& answer) {
  if (!answer.ok()) return answer.error();
  const auto* user = json::member(answer->json, "user");
  if (!user) return make_error("invalid_response", "Slack's answer has no `user`");
  return parse_slack_user(*user);
}

// The answer of a top_level_only call (post_call) that posted or updated a message.
Result<PostedMessage> posted_of(Result<ApiAnswer> answer) {
  if (!answer.ok()) return answer.error();
  PostedMessage posted{std::move(answer->channel), std::move(answer->ts)};
  if (posted.channel.empty() || posted.ts.empty()) {
    return make_error("invalid_response", "Slack's answer has no `channel` and `ts`");
  }
  return posted;
}

Result<ApiCall> post_message_call(const TeamToken& auth, const PostMessageRequest& m) {
  // Deliberately never link_names or parse=full: relayed text must not turn into mentions.
  // Each field's text, ~160 bytes of keys and punctuation, and room for what the writer reserves
  // before writing a string (6 bytes per byte, for "\uXXXX"; the text is the longest).
  JsonBody body(m.channel.size() + m.blocks_json.size() + m.thread_ts.size() + m.username.size() +
                m.icon_url.size() + 6 * m.text.size() + 160);
  body.string("channel", m.channel).string("text", m.text);
  if (m.blocks_written_by_us && !m.blocks_json.empty()) {
    body.written("blocks", m.blocks_json, rapidjson::kArrayType);
  } else if (!m.blocks_json.empty()) {
    if (Status s = body.embedded("blocks", m.blocks_json, rapidjson::kArrayType); !s.ok()) {
      return s.error();
    }
  }
  if (!m.thread_ts.empty()) body.string("thread_ts", m.thread_ts);
  if (!m.username.empty()) body.string("username", m.username);
  if (!m.icon_url.empty()) body.string("icon_url", m.icon_url);
  if (m.unfurl_links) body.boolean("unfurl_links", *m.unfurl_links);
  if (m.unfurl_media) body.boolean("unfurl_media", *m.unfurl_media);
  ApiCall call = post_call("chat.postMessage", auth, body.finish());
  call.channel = m.channel;
  return call;
}

ApiCall lookup_by_email_call(const TeamToken& auth, std::string_view email) {
  return form_call("users.lookupByEmail", auth, {{"email", std::string(email)}});
}

ApiCall open_call(const TeamToken& auth, std::string_view user_ids) {
  return form_call("conversations.open", auth, {{"users", std::string(user_ids)}});
}

Result<std::string> channel_of(const Result<ApiAnswer>& answer) {
  if (!answer.ok()) return answer.error();
  std::string id = json::string_field(json::object_field(answer->json, "channel"), "id");
  if (id.empty()) {
    return make_error("invalid_response", "conversations.open answered without `channel.id`");
  }
  return id;
}

// "chat:write, users:read" -> {"chat:write", "users:read"}
std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> scopes;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) scopes.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return scopes;
}

OAuthAccess parse_oauth_access(const rapidjson::Value& json) {
  OAuthAccess a;
  a.access_token = json::string_field(json, "access_token");
  a.token_type = json::string_field(json, "token_type");
  a.scope = json::string_field(json, "scope");
  a.bot_user_id = json::string_field(json, "bot_user_id");
  a.app_id = json::string_field(json, "app_id");
  const auto& team = json::object_field(json, "team");
  a.team = {json::string_field(team, "id"), json::string_field(team, "name")};
  a.enterprise_id = json::string_field(json::object_field(json, "enterprise"), "id");
  a.is_enterprise_install = json::bool_field(json, "is_enterprise_install");
  a.refresh_token = json::string_field(json, "refresh_token");
  a.expires_in = json::int_field(json, "expires_in");
  const auto& user = json::object_field(json, "authed_user");
  a.authed_user.id = json::string_field(user, "id");
  a.authed_user.scope = json::string_field(user, "scope");
  a.authed_user.access_token = json::string_field(user, "access_token");
  a.authed_user.token_type = json::string_field(user, "token_type");
  a.authed_user.refresh_token = json::string_field(user, "refresh_token");
  a.authed_user.expires_in = json::int_field(user, "expires_in");
  if (const auto* hook = json::member(json, "incoming_webhook"); hook && hook->IsObject()) {
    a.incoming_webhook = OAuthAccess::IncomingWebhook{
        json::string_field(*hook, "channel"), json::string_field(*hook, "channel_id"),
        json::string_field(*hook, "configuration_url"), json::string_field(*hook, "url")};
  }
  return a;
}

ApiCall oauth_access_call(const OAuthClient& client, const OAuthGrant& grant) {
  Fields fields;
  if (!grant.refresh_token.empty()) {
    fields = {{"grant_type", "refresh_token"}, {"refresh_token", grant.refresh_token}};
  } else {
    fields = {{"grant_type", "authorization_code"}, {"code", grant.code}};
    if (!grant.redirect_uri.empty()) fields.emplace_back("redirect_uri", grant.redirect_uri);
  }
  // Client credentials go in HTTP Basic (Slack's preferred form), not in the body.
  return {"oauth.v2.access",
          {},
          {},
          "Basic " + base64_encode(client.client_id + ":" + client.client_secret),
          kForm,
          net::form_encode(fields)};
}

Result<OAuthAccess> access_of(const Result<ApiAnswer>& answer) {
  if (!answer.ok()) return answer.error();
  OAuthAccess access = parse_oauth_access(answer->json);
  // A user-scope-only install (personal Connect) carries its token in authed_user alone.
  if (access.access_token.empty() && access.authed_user.access_token.empty()) {
    return make_error("invalid_response", "oauth.v2.access answered without an access token");
  }
  return access;
}

}  // namespace

WebApi::WebApi(net::HttpClient& http, std::string api_base_url, const core::Clock& clock,
               RateLimiter& limiter, RetryPolicy policy, SleepFunction sleep, JitterSource jitter,
               TeamGate gate, net::AsyncHttpClient* async_http)
    : transport_(std::make_unique<ApiTransport>(http, std::move(api_base_url), clock, limiter,
                                                std::move(policy), std::move(sleep),
                                                std::move(jitter), std::move(gate), async_http)) {}

WebApi::~WebApi() = default;

Result<AuthTestResult> WebApi::auth_test(const TeamToken& auth) {
  auto answer = transport_->call(form_call("auth.test", auth, {}));
  if (!answer.ok()) return answer.error();
  const auto& j = answer->json;
  AuthTestResult r;
  r.url = json::string_field(j, "url");
  r.team = json::string_field(j, "team");
  r.team_id = json::string_field(j, "team_id");
  r.user = json::string_field(j, "user");
  r.user_id = json::string_field(j, "user_id");
  r.bot_id = json::string_field(j, "bot_id");
  r.enterprise_id = json::string_field(j, "enterprise_id");
  r.is_enterprise_install = json::bool_field(j, "is_enterprise_install");
  r.scopes = split_scopes(answer->response.headers.get("x-oauth-scopes"));
  return r;
}

Status WebApi::auth_revoke(const TeamToken& auth) {
  auto answer = transport_->call(form_call("auth.revoke", auth, {}));
  if (!answer.ok()) return answer.error();
  return Status::success();
}

Result<SlackUser> WebApi::users_lookup_by_email(const TeamToken& auth, std::string_view email) {
  return user_of(transport_->call(lookup_by_email_call(auth, email)));
}

core::Task<Result<SlackUser>> WebApi::users_lookup_by_email_async(TeamToken auth,
                                                                  std::string email) {
  if (!transport_->has_async()) co_return users_lookup_by_email(auth, email);
  ApiCall call = lookup_by_email_call(auth, email);
  co_return user_of(co_await transport_->call_async(std::move(call)));
}

Result<SlackUser> WebApi::users_info(const TeamToken& auth, std::string_view user_id) {
  return user_of(transport_->call(form_call("users.info", auth, {{"user", std::string(user_id)}})));
}

Result<UsersPage> WebApi::users_list(const TeamToken& auth, std::string_view cursor, int limit) {
  Fields fields{{"limit", std::to_string(std::clamp(limit, 1, 1000))}};
  if (!cursor.empty()) fields.emplace_back("cursor", std::string(cursor));
  auto answer = transport_->call(form_call("users.list", auth, fields));
  if (!answer.ok()) return answer.error();
  const auto* members = json::member(answer->json, "members");
  if (!members || !members->IsArray()) {
    return make_error("invalid_response", "users.list answered without `members`");
  }
  UsersPage page;
  for (const auto& member : members->GetArray()) {
    auto user = parse_slack_user(member);
    if (!user.ok()) return user.error();
    page.members.push_back(std::move(user).value());
  }
  page.next_cursor =
      json::string_field(json::object_field(answer->json, "response_metadata"), "next_cursor");
  return page;
}

Result<PostedMessage> WebApi::chat_post_message(const TeamToken& auth,
                                                const PostMessageRequest& m) {
  auto call = post_message_call(auth, m);
  if (!call.ok()) return call.error();
  return posted_of(transport_->call(*call));
}

core::Task<Result<PostedMessage>> WebApi::chat_post_message_async(TeamToken auth,
                                                                  PostMessageRequest message) {
  if (!transport_->has_async()) co_return chat_post_message(auth, message);
  auto call = post_message_call(auth, message);
  if (!call.ok()) co_return call.error();
  co_return posted_of(co_await transport_->call_async(std::move(*call)));
}

Result<PostedMessage> WebApi::chat_update(const TeamToken& auth, const UpdateMessageRequest& m) {
  JsonBody body;
  body.string("channel", m.channel).string("ts", m.ts).string("text", m.text);
  if (!m.blocks_json.empty()) {
    if (Status s = body.embedded("blocks", m.blocks_json, rapidjson::kArrayType); !s.ok()) {
      return s.error();
    }
  }
  return posted_of(transport_->call(post_call("chat.update", auth, body.finish())));
}

Result<std::string> WebApi::conversations_open(const TeamToken& auth, std::string_view user_ids) {
  return channel_of(transport_->call(open_call(auth, user_ids)));
}

core::Task<Result<std::string>> WebApi::conversations_open_async(TeamToken auth,
                                                                 std::string user_ids) {
  if (!transport_->has_async()) co_return conversations_open(auth, user_ids);
  ApiCall call = open_call(auth, user_ids);
  co_return channel_of(co_await transport_->call_async(std::move(call)));
}

Status WebApi::views_publish(const TeamToken& auth, std::string_view user_id,
                             std::string_view view_json) {
  JsonBody body;
  body.string("user_id", user_id);
  if (Status s = body.embedded("view", view_json, rapidjson::kObjectType); !s.ok()) return s;
  auto answer = transport_->call(json_call("views.publish", auth, body.finish()));
  if (!answer.ok()) return answer.error();
  return Status::success();
}

Result<OAuthAccess> WebApi::oauth_v2_access(const OAuthClient& client, const OAuthGrant& grant) {
  return access_of(transport_->call(oauth_access_call(client, grant)));
}

core::Task<Result<OAuthAccess>> WebApi::oauth_v2_access_async(OAuthClient client,
                                                              OAuthGrant grant) {
  if (!transport_->has_async()) co_return oauth_v2_access(client, grant);
  ApiCall call = oauth_access_call(client, grant);
  co_return access_of(co_await transport_->call_async(std::move(call)));
}

Result<std::string> WebApi::apps_connections_open(std::string_view app_token) {
  // The app-level token goes in the Authorization header, never as a form field.
  auto answer = transport_->call(
      form_call("apps.connections.open", TeamToken{{}, std::string(app_token)}, {}));
  if (!answer.ok()) return answer.error();
  std::string url = json::string_field(answer->json, "url");
  if (url.rfind("wss://", 0) != 0 && url.rfind("ws://", 0) != 0) {
    return make_error("invalid_response", "apps.connections.open answered without a WebSocket URL");
  }
  return url;
}

Status WebApi::post_incoming_webhook(std::string_view team_id, std::string_view url,
                                     std::string_view json_body) {
  return transport_->post_webhook(team_id, url, json_body);
}

core::Task<Status> WebApi::post_incoming_webhook_async(std::string team_id, std::string url,
                                                       std::string json_body) {
  if (!transport_->has_async()) co_return post_incoming_webhook(team_id, url, json_body);
  co_return co_await transport_->post_webhook_async(std::move(team_id), std::move(url),
                                                    std::move(json_body));
}

}  // namespace bridgebot::slack
