// Slack delivering Events API events over HTTP, the way Slack does: each event_callback POSTed to
// the app's Request URL with X-Slack-Request-Timestamp and a v0 X-Slack-Signature; an answer
// other than 2xx within the timeout (3 s) is a failure, and the event is sent again (up to 3
// retries) with X-Slack-Retry-Num (1..3) and X-Slack-Retry-Reason (http_timeout or http_error).
// An answer with X-Slack-No-Retry: 1 stops the retries.
//
// Thread-safe: one delivery thread sends the queue in order, one request at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/net/http.h"

namespace bridgebot::emulator {

struct EventsHttpOptions {
  std::chrono::milliseconds timeout{3'000};
  // Pause before retry 1, 2, 3 (Slack: at once, after a minute, after five minutes).
  std::vector<std::chrono::milliseconds> retry_delays{
      std::chrono::milliseconds{0}, std::chrono::minutes{1}, std::chrono::minutes{5}};
};

struct EventsHttpAttempt {
  int retry_num = 0;         // 0 for the first delivery
  std::string retry_reason;  // "" on the first, else http_timeout | http_error
  int status = 0;            // HTTP status; 0 when no answer came in time
  std::chrono::microseconds latency{0};
};

struct EventsHttpRecord {
  std::string event_id;
  std::vector<EventsHttpAttempt> attempts;
  bool delivered = false;  // a 2xx came back
  bool gave_up = false;    // every attempt failed, or the app said X-Slack-No-Retry
};

class EventsHttpDelivery {
 public:
  EventsHttpDelivery(std::string request_url, std::string signing_secret,
                     EventsHttpOptions options = {});
  ~EventsHttpDelivery();  // stops the delivery thread; queued events are dropped
  EventsHttpDelivery(const EventsHttpDelivery&) = delete;
  EventsHttpDelivery& operator=(const EventsHttpDelivery&) = delete;

  // Queues an event_callback for `team_id` (`event_json`: the inner event); returns its event_id.
  std::string send_event(const std::string& team_id, const std::string& event_json);
  // Sends `event_id` again as Slack's next retry (retry number = attempts so far), even though it
  // was delivered: Slack does this when an answer got lost.
  void redeliver(const std::string& event_id);
  // POSTs url_verification with `challenge` now and returns the answer.
  Result<net::HttpResponse> verify_url(const std::string& challenge);
  // The headers Slack signs a request with at `timestamp` (unix seconds), for hand-made requests.
  net::Headers signed_headers(const std::string& body, std::int64_t timestamp) const;

  std::vector<EventsHttpRecord> events() const;
  // Queued or waiting for a retry.
  std::size_t pending() const;

 private:
  struct Job {
    std::size_t index;  // into records_
    int retry_num;
    std::string retry_reason;
    std::chrono::steady_clock::time_point due;
  };

  void run();
  void deliver(const Job& job);
  std::string body_of(std::size_t index) const;

  const std::string request_url_;
  const std::string signing_secret_;
  const EventsHttpOptions options_;
  std::unique_ptr<net::HttpClient> http_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::vector<EventsHttpRecord> records_;
  std::vector<std::string> bodies_;  // the request body of each record
  bool busy_ = false;                // a job is being delivered
  bool stopping_ = false;
  std::thread thread_;  // last
};

}  // namespace bridgebot::emulator
