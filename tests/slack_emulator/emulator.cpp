// Routing, the call log and the Web API pipeline: fault, authentication, token kind, scope,
// rate limit, then the method's handler.
#include "slack_emulator/emulator.h"

#include <thread>
#include <utility>

#include "bridgebot/core/json.h"
#include "oauth.h"
#include "responses.h"
#include "web_api.h"

namespace bridgebot::emulator {
namespace {

constexpr std::string_view kApiPrefix = "/api/";
constexpr std::string_view kWebhookPrefix = "/services/";
constexpr std::string_view kAuthorizePath = "/oauth/v2/authorize";

// Why a token cannot be used, or "" when it can.
std::string token_problem(const std::string& presented, const Token* token, std::int64_t now) {
  if (presented.empty()) return "not_authed";
  if (token == nullptr) return "invalid_auth";
  switch (token->state) {
    case TokenState::valid:
      return token->expires_at && now >= *token->expires_at ? "token_expired" : "";
    case TokenState::expired:
      return "token_expired";
    case TokenState::revoked:
      return "token_revoked";
  }
  return "invalid_auth";
}

std::string reason_phrase(int status) {
  switch (status) {
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error " + std::to_string(status);
  }
}

}  // namespace

Emulator::Emulator(core::Clock& clock, EmulatorOptions options)
    : clock_(clock),
      options_(std::move(options)),
      rate_limiter_(options_.rate_limits),
      random_(std::random_device{}()) {}

Answer Emulator::answer(const net::HttpRequest& request) {
  std::string path = request.path();
  std::lock_guard lock(mutex_);
  CallRecord record;
  record.arrival = clock_.now();
  Answer result;
  if (path.rfind(kApiPrefix, 0) == 0) {
    result = answer_web_api(path.substr(kApiPrefix.size()), request, record);
  } else if (path == kAuthorizePath) {
    // A browser page, not an API call: not in the call log.
    OAuthContext context{state_, random_, clock_.unix_seconds(), options_.public_base_url};
    result.response = authorize(context, request);
    return result;
  } else if (path.rfind(kWebhookPrefix, 0) == 0) {
    result = answer_webhook(path.substr(kWebhookPrefix.size()), request, record);
  } else {
    result.response = text_response(404, "not_found");
    return result;  // not a Slack endpoint: not logged
  }
  record.http_status = result.drop_connection ? 0 : result.response.status;
  calls_.push_back(std::move(record));
  return result;
}

net::HttpResponse Emulator::handle(const net::HttpRequest& request) {
  Answer result = answer(request);
  if (result.delay.count() > 0) std::this_thread::sleep_for(result.delay);
  if (result.drop_connection) return net::HttpResponse{0, {}, {}};
  return result.response;
}

bool Emulator::apply_fault(const std::string& scope, bool web_api, Answer& answer,
                           CallRecord& record) {
  auto fault = faults_.take(record.method);
  if (!fault) return false;
  switch (fault->kind) {
    case Fault::Kind::delay:
      answer.delay = fault->delay;
      return false;
    case Fault::Kind::http_status:
      answer.response = text_response(fault->http_status, reason_phrase(fault->http_status));
      record.error = "http_" + std::to_string(fault->http_status);
      return true;
    case Fault::Kind::slack_error:
      // Webhooks have no JSON envelope: their errors are plain text with a 4xx status.
      answer.response = web_api ? web_api_error(fault->error) : text_response(400, fault->error);
      record.error = fault->error;
      return true;
    case Fault::Kind::rate_limited:
      rate_limiter_.tell_retry_after(scope, record.arrival, fault->retry_after);
      answer.response =
          web_api ? web_api_ratelimited(fault->retry_after) : text_response(429, "rate_limited");
      answer.response.headers.set("Retry-After", std::to_string(fault->retry_after.count()));
      record.error = web_api ? "ratelimited" : "rate_limited";
      return true;
    case Fault::Kind::drop_connection:
      answer.drop_connection = true;
      record.error = "connection_dropped";
      return true;
  }
  return false;
}

Answer Emulator::answer_web_api(const std::string& method, const net::HttpRequest& request,
                                CallRecord& record) {
  auto parsed = Params::from_request(request);
  Params params = parsed ? std::move(*parsed) : Params{};
  std::string presented = token_of(request, params);
  Token* token = presented.empty() ? nullptr : state_.find_token(presented);
  const MethodSpec* spec = find_method(method);

  record.method = method;
  record.team_id = token ? token->team_id : "";
  params.erase("token");  // never keep a secret in the log (record.params is set by finish)

  Tier tier = spec ? spec->tier : Tier::special;
  std::string scope = RateLimiter::scope_key(record.team_id, method, tier, params.get("channel"));
  rate_limiter_.note_arrival(scope, record.arrival);

  Answer answer;
  auto finish = [&](net::HttpResponse response, std::string error) {
    record.params = std::move(params).all();  // the handler, if any, has run: nothing reads them
    response.headers.set("x-oauth-scopes", token ? token->scopes_header() : "");
    response.headers.set("x-accepted-oauth-scopes", spec ? std::string(spec->required_scope) : "");
    answer.response = std::move(response);
    record.error = std::move(error);
    return answer;
  };
  auto fail = [&](const std::string& code) { return finish(web_api_error(code), code); };

  if (apply_fault(scope, true, answer, record)) {
    return finish(std::move(answer.response), record.error);
  }
  if (!parsed) return fail(parsed.error().code);
  if (method == "oauth.v2.access") {
    // Authenticated by the client id and secret, not by a token.
    params.erase("client_secret");
    params.erase("code");
    params.erase("refresh_token");
    auto full = Params::from_request(request);
    rapidjson::Document reply;
    reply.SetObject();
    add_bool(reply, "ok", true, reply.GetAllocator());
    OAuthContext context{state_, random_, clock_.unix_seconds(), options_.public_base_url};
    Status done = oauth_v2_access(context, *full, request.headers.get("Authorization"), reply);
    if (!done) return fail(done.error().code);
    if (reply.HasMember("team") && reply["team"].HasMember("id")) {
      record.team_id = reply["team"]["id"].GetString();
    }
    return finish(json_response(200, reply), "");
  }
  if (!spec) return fail("unknown_method");
  if (auto problem = token_problem(presented, token, clock_.unix_seconds()); !problem.empty()) {
    return fail(problem);
  }
  const Workspace* workspace = state_.find_workspace(token->team_id);
  if (workspace == nullptr) return fail("team_not_found");
  if (spec->app_token_only != (token->kind == TokenKind::app)) {
    return fail("not_allowed_token_type");
  }
  if (!spec->required_scope.empty() && !token->has_scope(spec->required_scope)) {
    rapidjson::Document body;
    body.SetObject();
    auto& alloc = body.GetAllocator();
    add_bool(body, "ok", false, alloc);
    add_string(body, "error", "missing_scope", alloc);
    add_string(body, "needed", spec->required_scope, alloc);
    add_string(body, "provided", token->scopes_header(), alloc);
    return finish(json_response(200, body), "missing_scope");
  }
  if (auto wait = rate_limiter_.admit(scope, tier, record.arrival)) {
    return finish(web_api_ratelimited(*wait), "ratelimited");
  }

  rapidjson::Document reply;
  reply.SetObject();
  add_bool(reply, "ok", true, reply.GetAllocator());
  MethodCall call{state_, params, *token, *workspace, options_, clock_, random_, reply};
  if (Status status = spec->handler(call); !status) return fail(status.error().code);
  return finish(json_response(200, reply), "");
}

std::string Emulator::user_writes(const std::string& team_id, const std::string& user_id,
                                  const std::string& channel, const std::string& text,
                                  const std::string& thread_ts) {
  std::lock_guard lock(mutex_);
  Message message;
  message.team_id = team_id;
  message.channel = channel;
  message.ts = state_.next_ts(clock_.unix_seconds());
  message.text = text;
  message.thread_ts = thread_ts;
  message.author_user_id = user_id;
  state_.messages.push_back(message);
  const bool dm = state_.find_dm(team_id, channel) != nullptr;
  std::string event =
      "{\"type\":\"message\",\"channel\":" + core::json_quote(channel) +
      ",\"user\":" + core::json_quote(user_id) + ",\"text\":" + core::json_quote(text) +
      ",\"ts\":" + core::json_quote(message.ts) + ",\"event_ts\":" + core::json_quote(message.ts) +
      ",\"channel_type\":" + core::json_quote(dm ? "im" : "channel");
  if (!thread_ts.empty()) event += ",\"thread_ts\":" + core::json_quote(thread_ts);
  return event + "}";
}

std::vector<Message> Emulator::messages() const {
  std::lock_guard lock(mutex_);
  return state_.messages;
}

std::vector<Message> Emulator::messages_in(const std::string& channel) const {
  std::lock_guard lock(mutex_);
  return state_.messages_in(channel);
}

std::vector<CallRecord> Emulator::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::vector<CallRecord> Emulator::calls_of(const std::string& method) const {
  std::lock_guard lock(mutex_);
  std::vector<CallRecord> result;
  for (const auto& call : calls_) {
    if (call.method == method) result.push_back(call);
  }
  return result;
}

std::vector<RateLimitViolation> Emulator::rate_limit_violations() const {
  std::lock_guard lock(mutex_);
  return rate_limiter_.violations();
}

std::vector<SocketModeTicket> Emulator::issued_tickets() const {
  std::lock_guard lock(mutex_);
  return state_.tickets;
}

void Emulator::set_rate_limits(RateLimitConfig config) {
  std::lock_guard lock(mutex_);
  options_.rate_limits = config;
  rate_limiter_.configure(config);
}

void Emulator::set_behaviour(Behaviour behaviour) {
  std::lock_guard lock(mutex_);
  options_.behaviour = behaviour;
}

void Emulator::set_public_base_url(std::string url) {
  std::lock_guard lock(mutex_);
  options_.public_base_url = std::move(url);
}

void Emulator::set_socket_mode_url(std::string url) {
  std::lock_guard lock(mutex_);
  options_.socket_mode_url = std::move(url);
}

void Emulator::inject_fault(std::string method, Fault fault, int times) {
  std::lock_guard lock(mutex_);
  faults_.push(std::move(method), std::move(fault), times);
}

std::size_t Emulator::pending_faults() const {
  std::lock_guard lock(mutex_);
  return faults_.pending();
}

}  // namespace bridgebot::emulator
