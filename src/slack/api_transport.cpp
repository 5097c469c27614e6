#include "api_transport.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "bridgebot/core/json.h"
#include "bridgebot/slack/errors.h"
#include "json_fields.h"

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

// Our own pacing refused to wait that long: shaped like Slack's rate-limit error so callers
// handle both alike.
Error paced_out(const RateLimitKey& key, core::Clock::Duration wait) {
  auto ms = std::chrono::ceil<milliseconds>(wait);
  Error e =
      make_error("ratelimited",
                 "bridgebot paces " + key.method + " to stay within Slack's limits: next slot in " +
                     std::to_string((ms.count() + 999) / 1000) + " s",
                 true);
  e.retry_after = ms;
  return e;
}

double default_jitter() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

ApiTransport::ApiTransport(net::HttpClient& http, std::string base_url, const core::Clock& clock,
                           RateLimiter& limiter, RetryPolicy policy, WebApi::SleepFunction sleep,
                           WebApi::JitterSource jitter, WebApi::TeamGate gate)
    : http_(http),
      base_url_(std::move(base_url)),
      clock_(clock),
      limiter_(limiter),
      policy_(std::move(policy)),
      sleep_(sleep ? std::move(sleep) : WebApi::SleepFunction([](core::Clock::Duration d) {
        std::this_thread::sleep_for(d);
      })),
      jitter_(jitter ? std::move(jitter) : WebApi::JitterSource(default_jitter)),
      gate_(std::move(gate)) {}

template <typename T, typename Send>
Result<T> ApiTransport::paced(const RateLimitKey& key, Send&& send) {
  // Every pause of this call (limiter slots, Retry-After, backoff) comes out of one budget.
  const auto deadline = clock_.now() + policy_.max_wait;
  auto budget = [&] { return std::max(deadline - clock_.now(), core::Clock::Duration::zero()); };
  int backoff_retries = 0;
  for (int attempt = 1;; ++attempt) {
    // A Retry-After told to another call of this scope while we waited for our slot voids the
    // slot: Slack's window outranks it, and a fresh slot after the window keeps the calls that
    // were waiting spaced out instead of all going at the window's end.
    for (;;) {
      Reservation slot = limiter_.reserve(key, budget());
      if (!slot.granted) return paced_out(key, slot.wait);
      if (slot.wait > core::Clock::Duration::zero()) sleep_(slot.wait);
      if (limiter_.blocked_for(key) == core::Clock::Duration::zero()) break;
    }
    if (gate_ && !key.team_id.empty()) {
      if (Status open = gate_(key.team_id); !open.ok()) return open.error();
    }

    Result<T> result = send();
    if (result.ok()) return result;
    const Error& error = result.error();
    const RetryKind kind = retry_kind(key.method, error);
    if (kind == RetryKind::after_limit) {
      // The limiter now holds back this scope; the next reserve() waits out Retry-After exactly.
      limiter_.block(key, error.retry_after.value_or(std::chrono::seconds(60)));
    }
    if (kind == RetryKind::none || attempt >= policy_.max_attempts) return result;
    if (kind == RetryKind::after_limit) {
      if (!error.retry_after || *error.retry_after > budget()) return result;
      continue;
    }
    auto delay = backoff_delay(policy_.backoff, backoff_retries++, jitter_());
    if (delay > budget()) return result;
    sleep_(delay);
  }
}

Result<ApiAnswer> ApiTransport::call(const ApiCall& call) {
  return paced<ApiAnswer>({call.team_id, call.method, call.channel},
                          [&] { return send_once(call); });
}

Result<ApiAnswer> ApiTransport::send_once(const ApiCall& call) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + call.method;
  request.headers.set("Authorization", call.authorization);
  request.headers.set("Content-Type", call.content_type);
  request.body = call.body;

  auto sent = http_.send(request);
  if (!sent.ok()) {
    const auto& auth = call.authorization;
    return network_error(sent.error(), call.method, auth.substr(auth.find(' ') + 1));
  }
  ApiAnswer answer{std::move(sent).value(), {}};
  const net::HttpResponse& response = answer.response;

  ApiFailure failure;
  failure.method = call.method;
  failure.http_status = response.status;
  failure.retry_after = parse_retry_after(response.headers);

  // Slack's answer is outside input too: parsed iteratively with a depth limit.
  auto parsed = core::parse_json(response.body);
  if (parsed.ok()) answer.json = std::move(*parsed);
  const bool is_object = parsed.ok() && answer.json.IsObject();
  if (!is_object) {
    if (response.status == 200) return invalid_response(call.method, response.status);
    return map_api_failure(failure);  // 429, 5xx or another status with a non-JSON body
  }
  if (response.status == 200 && json::bool_field(answer.json, "ok")) return answer;
  failure.error = json::string_field(answer.json, "error");
  failure.needed = json::string_field(answer.json, "needed");
  failure.provided = json::string_field(answer.json, "provided");
  if (failure.error.empty() && response.status == 200) {
    return invalid_response(call.method, response.status);  // neither ok nor an error code
  }
  return map_api_failure(failure);
}

Status ApiTransport::post_webhook(std::string_view url, std::string_view json_body) {
  // One bucket per webhook URL, the URL standing in for the channel it posts to.
  RateLimitKey key{{}, std::string(kIncomingWebhook), std::string(url)};
  Result<bool> posted = paced<bool>(key, [&]() -> Result<bool> {
    Status status = send_webhook_once(url, json_body);
    if (!status.ok()) return status.error();
    return true;
  });
  if (!posted.ok()) return posted.error();
  return Status::success();
}

Status ApiTransport::send_webhook_once(std::string_view url, std::string_view json_body) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = std::string(url);
  request.headers.set("Content-Type", "application/json; charset=utf-8");
  request.body = std::string(json_body);

  auto sent = http_.send(request);
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
