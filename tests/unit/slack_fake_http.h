// A scripted net::HttpClient for the slack unit tests: records every request with the (fake)
// time it was sent and answers from a queue. Thread-safe like the real client.
#pragma once

#include <rapidjson/document.h>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "bridgebot/core/clock.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/web_api.h"

namespace slack_test {

using bridgebot::Result;
namespace net = bridgebot::net;
namespace slack = bridgebot::slack;
namespace core = bridgebot::core;

struct SentRequest {
  net::ClientRequest request;
  core::Clock::TimePoint at;
};

class FakeHttpClient final : public net::HttpClient {
 public:
  explicit FakeHttpClient(const core::Clock& clock) : clock_(clock) {}

  Result<net::HttpResponse> send(const net::ClientRequest& request) override {
    std::lock_guard lock(mutex_);
    sent_.push_back({request, clock_.now()});
    if (script_.empty()) {
      return bridgebot::make_error("unscripted", "the test scripted no answer for this request");
    }
    auto answer = script_.front();
    script_.pop_front();
    return answer;
  }

  void answer(int status, std::string body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    net::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    for (auto& [name, value] : headers) response.headers.add(name, value);
    std::lock_guard lock(mutex_);
    script_.emplace_back(std::move(response));
  }
  void answer_ok(std::string json_body) { answer(200, std::move(json_body)); }
  void fail(std::string code, bool transient = true, std::string message = "scripted failure") {
    std::lock_guard lock(mutex_);
    script_.emplace_back(bridgebot::make_error(std::move(code), std::move(message), transient));
  }

  std::vector<SentRequest> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return sent_.size();
  }

 private:
  const core::Clock& clock_;
  mutable std::mutex mutex_;
  std::deque<Result<net::HttpResponse>> script_;
  std::vector<SentRequest> sent_;
};

// A WebApi on a FakeClock whose sleeps advance the clock, with a fixed jitter.
struct Harness {
  explicit Harness(slack::RetryPolicy policy = {}, slack::RateLimiterOptions limits = {})
      : limiter(clock, limits),
        api(
            http, "https://slack.test/api/", clock, limiter, policy,
            [this](core::Clock::Duration d) { clock.advance(d); }, [] { return 0.5; }) {}

  core::FakeClock clock;
  FakeHttpClient http{clock};
  slack::RateLimiter limiter;
  slack::WebApi api;
};

inline std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start < body.size()) {
    auto amp = body.find('&', start);
    auto pair = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    auto eq = pair.find('=');
    fields[net::url_decode(pair.substr(0, eq))] =
        eq == std::string::npos ? std::string{} : net::url_decode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return fields;
}

inline rapidjson::Document json_of(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  return doc;
}

}  // namespace slack_test
