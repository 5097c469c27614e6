#include "slack_emulator/events_http.h"

#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"

namespace bridgebot::emulator {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

EventsHttpDelivery::EventsHttpDelivery(std::string request_url, std::string signing_secret,
                                       EventsHttpOptions options)
    : request_url_(std::move(request_url)),
      signing_secret_(std::move(signing_secret)),
      options_(std::move(options)) {
  net::ClientOptions client;
  client.tls.allow_plaintext = true;
  client.request_timeout = options_.timeout;
  http_ = net::make_http_client(client);
  thread_ = std::thread([this] { run(); });
}

EventsHttpDelivery::~EventsHttpDelivery() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string EventsHttpDelivery::send_event(const std::string& team_id,
                                           const std::string& event_json) {
  std::lock_guard lock(mutex_);
  EventsHttpRecord record;
  record.event_id = "EvH" + std::to_string(1'000'000 + records_.size());
  bodies_.push_back(
      "{\"token\":\"emulator\",\"team_id\":" + core::json_quote(team_id) +
      ",\"api_app_id\":\"A0001\",\"event\":" + event_json +
      ",\"type\":\"event_callback\",\"event_id\":" + core::json_quote(record.event_id) +
      ",\"event_time\":" + std::to_string(unix_now()) + "}");
  records_.push_back(record);
  jobs_.push_back({records_.size() - 1, 0, "", std::chrono::steady_clock::now()});
  wake_.notify_all();
  return record.event_id;
}

void EventsHttpDelivery::redeliver(const std::string& event_id) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (records_[i].event_id != event_id) continue;
    jobs_.push_back({i, static_cast<int>(records_[i].attempts.size()), "http_timeout",
                     std::chrono::steady_clock::now()});
    wake_.notify_all();
    return;
  }
}

net::Headers EventsHttpDelivery::signed_headers(const std::string& body,
                                                std::int64_t timestamp) const {
  const std::string base = "v0:" + std::to_string(timestamp) + ":" + body;
  net::Headers headers;
  headers.set("Content-Type", "application/json");
  headers.set("X-Slack-Request-Timestamp", std::to_string(timestamp));
  headers.set("X-Slack-Signature",
              "v0=" + core::hex_encode(core::hmac_sha256(signing_secret_, base)));
  return headers;
}

Result<net::HttpResponse> EventsHttpDelivery::verify_url(const std::string& challenge) {
  net::ClientRequest request;
  request.url = request_url_;
  request.body = "{\"token\":\"emulator\",\"challenge\":" + core::json_quote(challenge) +
                 ",\"type\":\"url_verification\"}";
  request.headers = signed_headers(request.body, unix_now());
  return http_->send(request);
}

std::vector<EventsHttpRecord> EventsHttpDelivery::events() const {
  std::lock_guard lock(mutex_);
  return records_;
}

std::size_t EventsHttpDelivery::pending() const {
  std::lock_guard lock(mutex_);
  return jobs_.size() + (busy_ ? 1 : 0);
}

std::string EventsHttpDelivery::body_of(std::size_t index) const {
  std::lock_guard lock(mutex_);
  return bodies_[index];
}

void EventsHttpDelivery::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopping_) return;
    if (jobs_.empty()) {
      wake_.wait(lock);
      continue;
    }
    // The earliest due job (retries wait; first deliveries are due at once).
    auto next = jobs_.begin();
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
      if (it->due < next->due) next = it;
    }
    if (next->due > std::chrono::steady_clock::now()) {
      wake_.wait_until(lock, next->due);
      continue;
    }
    Job job = *next;
    jobs_.erase(next);
    busy_ = true;
    lock.unlock();
    deliver(job);
    lock.lock();
    busy_ = false;
  }
}

void EventsHttpDelivery::deliver(const Job& job) {
  net::ClientRequest request;
  request.url = request_url_;
  request.body = body_of(job.index);
  request.headers = signed_headers(request.body, unix_now());
  if (job.retry_num > 0) {
    request.headers.set("X-Slack-Retry-Num", std::to_string(job.retry_num));
    request.headers.set("X-Slack-Retry-Reason", job.retry_reason);
  }
  const auto began = std::chrono::steady_clock::now();
  auto answer = http_->send(request);
  EventsHttpAttempt attempt;
  attempt.retry_num = job.retry_num;
  attempt.retry_reason = job.retry_reason;
  attempt.latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - began);
  // Slack counts an answer after the timeout as none.
  const bool in_time = answer.ok() && attempt.latency <= options_.timeout;
  attempt.status = in_time ? answer->status : 0;
  const bool ok = attempt.status >= 200 && attempt.status < 300;
  const bool no_retry = in_time && answer->headers.get("X-Slack-No-Retry") == "1";

  std::lock_guard lock(mutex_);
  EventsHttpRecord& record = records_[job.index];
  record.attempts.push_back(attempt);
  if (ok) {
    record.delivered = true;
    return;
  }
  const auto retries = static_cast<int>(options_.retry_delays.size());
  if (no_retry || job.retry_num >= retries) {
    record.gave_up = !record.delivered;
    return;
  }
  jobs_.push_back({job.index, job.retry_num + 1, in_time ? "http_error" : "http_timeout",
                   std::chrono::steady_clock::now() +
                       options_.retry_delays[static_cast<std::size_t>(job.retry_num)]});
  wake_.notify_all();
}

}  // namespace bridgebot::emulator
