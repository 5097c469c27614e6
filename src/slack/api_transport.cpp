#include "api_transport.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "bridgebot/core/json.h"
#include "bridgebot/net/http_exchange.h"
#include "bridgebot/slack/errors.h"
#include "json_fields.h"
#include "pacer.h"

namespace bridgebot::slack {
namespace {

using std::chrono::milliseconds;

// Retry-After in whole seconds (what Slack sends), capped at a day so a hostile value cannot
// overflow time arithmetic; nullopt for anything else.
std::optional<milliseconds> parse_retry_after(const net::Headers& headers) {
  std::string text = headers.get("Retry-After");
  long long seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(std::min(seconds, 86'400LL));
}

// Removes every occurrence of `secret` from `text`.
std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMark = "[redacted]";
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kMark.size())) {
    text.replace(at, secret.size(), kMark);
  }
  return text;
}

// A network failure, with our context and without secrets; code and transient stay as given.
Error network_error(Error error, std::string_view what, std::string_view secret) {
  error.message = std::string(what) + " failed: " + redact(std::move(error.message), secret);
  return error;
}

// What an answer is judged by (and a post's channel and ts), from its top-level members.
struct AnswerHead {
  bool ok = false;
  std::string error;
  std::string needed;
  std::string provided;
  std::string channel;
  std::string ts;
};

// The answer read for its head alone, building no document; nullopt unless a JSON object.
std::optional<AnswerHead> read_head(std::string_view body) {
  std::array<core::TopLevelMember, 6> members{{{"ok", {}, {}},
                                               {"error", {}, {}},
                                               {"needed", {}, {}},
                                               {"provided", {}, {}},
                                               {"channel", {}, {}},
                                               {"ts", {}, {}}}};
  auto read = core::read_top_level(body, members);
  if (!read.ok() || !*read) return std::nullopt;
  auto text = [](core::TopLevelMember& member) { return std::move(member.string).value_or(""); };
  return AnswerHead{members[0].boolean.value_or(false),
                    text(members[1]),
                    text(members[2]),
                    text(members[3]),
                    text(members[4]),
                    text(members[5])};
}

// The answer parsed into answer.json, and its head; nullopt unless a JSON object.
std::optional<AnswerHead> parse_head(std::string_view body, ApiAnswer& answer) {
  auto parsed = core::parse_json(body);
  if (!parsed.ok() || !parsed->IsObject()) return std::nullopt;
  answer.json = std::move(*parsed);
  const auto& json = answer.json;
  return AnswerHead{json::bool_field(json, "ok"),
                    json::string_field(json, "error"),
                    json::string_field(json, "needed"),
                    json::string_field(json, "provided"),
                    {},
                    {}};
}

double default_jitter() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

ApiTransport::ApiTransport(net::HttpClient& http, std::string base_url, const core::Clock& clock,
                           RateLimiter& limiter, RetryPolicy policy, WebApi::SleepFunction sleep,
                           WebApi::JitterSource jitter, WebApi::TeamGate gate,
                           net::AsyncHttpClient* async_http)
    : http_(http),
      base_url_(std::move(base_url)),
      clock_(clock),
      limiter_(limiter),
      policy_(std::move(policy)),
      injected_sleep_(static_cast<bool>(sleep)),
      sleep_(sleep ? std::move(sleep) : WebApi::SleepFunction([](core::Clock::Duration d) {
        std::this_thread::sleep_for(d);
      })),
      jitter_(jitter ? std::move(jitter) : WebApi::JitterSource(default_jitter)),
      gate_(std::move(gate)),
      async_http_(async_http) {}

std::optional<Error> ApiTransport::closed_gate(const RateLimitKey& key) const {
  if (!gate_ || key.team_id.empty()) return std::nullopt;
  if (Status open = gate_(key.team_id); !open.ok()) return open.error();
  return std::nullopt;
}

template <typename T, typename Send>
Result<T> ApiTransport::paced(const RateLimitKey& key, Send&& send) {
  Pacer pacer(key, limiter_, clock_, policy_, jitter_);
  for (Pacer::Step step = pacer.start();;) {
    switch (step.kind) {
      case Pacer::Step::Kind::wait:
        sleep_(step.wait);
        step = pacer.waited();
        break;
      case Pacer::Step::Kind::give_up:
        return std::move(*step.error);
      case Pacer::Step::Kind::send: {
        if (auto closed = closed_gate(key)) return std::move(*closed);
        Result<T> result = send();
        if (result.ok()) return result;
        step = pacer.failed(result.error());
        break;
      }
    }
  }
}

template <typename T, typename Send>
core::Task<Result<T>> ApiTransport::paced_async(RateLimitKey key, Send send) {
  // Plain ifs, no switch: GCC 12 mishandles coroutine locals under case labels.
  Pacer pacer(key, limiter_, clock_, policy_, jitter_);
  Pacer::Step step = pacer.start();
  for (;;) {
    if (step.kind == Pacer::Step::Kind::give_up) co_return std::move(*step.error);
    if (step.kind == Pacer::Step::Kind::wait) {
      const bool elapsed = co_await pause(step.wait);
      if (!elapsed) co_return stopped(key);
      step = pacer.waited();
      continue;
    }
    if (auto closed = closed_gate(key)) co_return std::move(*closed);
    Result<T> result = co_await send();
    if (result.ok()) co_return result;
    step = pacer.failed(result.error());
  }
}

Error ApiTransport::stopped(const RateLimitKey& key) {
  Error error = make_error("cancelled", key.method + " was not sent: delivery is stopping", true);
  // Slack's window outlives this process: whoever makes the call next must wait out the rest.
  const auto left = limiter_.blocked_for(key);
  if (left > core::Clock::Duration::zero()) {
    error.retry_after = std::chrono::ceil<milliseconds>(left);
  }
  return error;
}

core::Task<bool> ApiTransport::pause(core::Clock::Duration delay) {
  // An injected sleep (tests on a FakeClock) serves both ways of calling.
  if (injected_sleep_) {
    sleep_(delay);
    co_return true;
  }
  co_return co_await core::sleep_for(delay);
}

Result<ApiAnswer> ApiTransport::call(const ApiCall& call) {
  return paced<ApiAnswer>({call.team_id, call.method, call.channel},
                          [&] { return api_answer(call, http_.send(api_request(call))); });
}

core::Task<Result<ApiAnswer>> ApiTransport::call_async(ApiCall call) {
  // Named, then moved: GCC 12 destroys a braced temporary passed to a coroutine twice.
  RateLimitKey key{call.team_id, call.method, call.channel};
  auto send = [this, &call]() -> core::Task<Result<ApiAnswer>> {
    co_return api_answer(call, co_await net::exchange(*async_http_, api_request(call)));
  };
  co_return co_await paced_async<ApiAnswer>(std::move(key), std::move(send));
}

net::ClientRequest ApiTransport::api_request(const ApiCall& call) const {
  net::ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + call.method;
  request.headers.set("Authorization", call.authorization);
  request.headers.set("Content-Type", call.content_type);
  request.body = call.body;
  return request;
}

Result<ApiAnswer> ApiTransport::api_answer(const ApiCall& call,
                                           Result<net::HttpResponse> sent) const {
  if (!sent.ok()) {
    const auto& auth = call.authorization;
    return network_error(sent.error(), call.method, auth.substr(auth.find(' ') + 1));
  }
  ApiAnswer answer{std::move(sent).value(), {}, {}, {}};
  const net::HttpResponse& response = answer.response;

  ApiFailure failure;
  failure.method = call.method;
  failure.http_status = response.status;
  failure.retry_after = parse_retry_after(response.headers);

  // Slack's answer is outside input too: read whole under the depth limit and refused when
  // malformed; into a document only when the call needs more than its top level.
  auto head = call.top_level_only ? read_head(response.body) : parse_head(response.body, answer);
  if (!head) {
    if (response.status == 200) return invalid_response(call.method, response.status);
    return map_api_failure(failure);  // 429, 5xx or another status with a non-JSON body
  }
  if (response.status == 200 && head->ok) {
    answer.channel = std::move(head->channel);
    answer.ts = std::move(head->ts);
    return answer;
  }
  failure.error = std::move(head->error);
  failure.needed = std::move(head->needed);
  failure.provided = std::move(head->provided);
  if (failure.error.empty() && response.status == 200) {
    return invalid_response(call.method, response.status);  // neither ok nor an error code
  }
  return map_api_failure(failure);
}

Status ApiTransport::post_webhook(std::string_view team_id, std::string_view url,
                                  std::string_view json_body) {
  // One bucket per webhook URL, the URL standing in for the channel it posts to. The team lets
  // the gate stop a post for a workspace disconnected while the post waited for its slot.
  RateLimitKey key{std::string(team_id), std::string(kIncomingWebhook), std::string(url)};
  Result<bool> posted = paced<bool>(key, [&]() -> Result<bool> {
    Status status = webhook_answer(url, http_.send(webhook_request(url, json_body)));
    if (!status.ok()) return status.error();
    return true;
  });
  if (!posted.ok()) return posted.error();
  return Status::success();
}

core::Task<Status> ApiTransport::post_webhook_async(std::string team_id, std::string url,
                                                    std::string json_body) {
  RateLimitKey key{std::move(team_id), std::string(kIncomingWebhook), url};
  auto send = [this, &url, &json_body]() -> core::Task<Result<bool>> {
    Status status =
        webhook_answer(url, co_await net::exchange(*async_http_, webhook_request(url, json_body)));
    if (!status.ok()) co_return status.error();
    co_return true;
  };
  Result<bool> posted = co_await paced_async<bool>(std::move(key), std::move(send));
  if (!posted.ok()) co_return posted.error();
  co_return Status::success();
}

net::ClientRequest ApiTransport::webhook_request(std::string_view url, std::string_view json_body) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = std::string(url);
  request.headers.set("Content-Type", "application/json; charset=utf-8");
  request.body = std::string(json_body);
  return request;
}

Status ApiTransport::webhook_answer(std::string_view url, Result<net::HttpResponse> sent) {
  if (!sent.ok()) {
    // The URL is the webhook's credential: keep it, and its path alone, out of the message.
    Error error = network_error(sent.error(), "incoming webhook post", url);
    if (auto parsed = net::parse_url(url); parsed.ok() && parsed->target.size() > 1) {
      error.message = redact(std::move(error.message), parsed->target);
    }
    return error;
  }
  const auto& response = sent.value();
  if (response.status == 200) return Status::success();
  return map_webhook_failure(response.status, response.body, parse_retry_after(response.headers));
}

}  // namespace bridgebot::slack
