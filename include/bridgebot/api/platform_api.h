// The platform API v1 (../shared/design/platform-api.md) as request handlers: authentication,
// validation, and the calls into the bridge. Blocking work runs on the worker pool, never on the
// HTTP server's I/O threads. An accept (POST /v1/messages, /v1/notifications) on a store that
// commits on a thread of its own (SQLite's group commit) needs no worker: it is handed to the
// store from the I/O thread and answered from its commit. Install with
// HttpServer(options, api.handler()).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "bridgebot/api/router.h"
#include "bridgebot/bridge/acceptor.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/thread_pool.h"
#include "bridgebot/store/store.h"

namespace bridgebot::api {

class StoreReadiness;  // src/api/store_readiness.h

struct PlatformApiDeps {
  const core::Config& config;
  const core::Clock& clock;
  store::Store& store;
  bridge::Acceptor& acceptor;
  core::ThreadPool& workers;
  // Readiness beyond the store (e.g. "a Socket Mode connection is open"); empty string: ready,
  // otherwise the reason it is not.
  std::function<std::string()> not_ready_reason;
  // Extra Prometheus lines (dispatcher, Socket Mode) appended to /metrics.
  std::function<std::string()> extra_metrics;
  // Accepts handed to the store's writer without a worker (see above) and not answered yet: at
  // most this many, beyond which the API answers 503 overloaded as for a full worker queue.
  std::size_t max_waiting_accepts = 256;
};

class PlatformApi {
 public:
  explicit PlatformApi(PlatformApiDeps deps);
  ~PlatformApi();

  // The HttpServer's request handler.
  net::RequestHandler handler();
  // Lets later features (links, installations, OAuth) add their routes.
  Router& router() { return router_; }

  // Wraps a handler so it runs only for requests signed with platform.signing_secret.
  RouteHandler signed_route(RouteHandler inner);
  // Wraps a handler so it runs only with Authorization: Bearer <platform.admin_token>.
  RouteHandler admin_route(RouteHandler inner);
  // Runs `work` on the worker pool and answers with its response; when the pool's queue is full,
  // answers 503 {"error":"overloaded"} with Retry-After at once instead.
  void on_worker(net::Responder respond, std::function<net::HttpResponse()> work);
  // Returns once every accept handed to the store's writer was answered; the destructor waits too.
  // Call it after the HTTP server stopped, before the dispatcher stops.
  void wait_for_accepts();

 private:
  void add_message_routes();
  void add_notification_routes();
  void add_health_routes();
  std::string metrics_text() const;
  net::HttpResponse readiness_answer(bool store_writable) const;
  // Counts an accept's outcome in the metrics and gives its answer.
  net::HttpResponse message_answer(const std::string& id,
                                   const Result<bridge::AcceptOutcome>& outcome);
  net::HttpResponse notification_answer(const std::string& id,
                                        const Result<bridge::AcceptOutcome>& outcome);
  // Counts an accept handed to the store's writer, or answers 503 overloaded (false) when
  // max_waiting_accepts are waiting already. end_accept(): its answer was given.
  bool begin_accept(const net::Responder& respond);
  void end_accept();
  // Answers an accept handed to the store's writer (on the writer thread), then end_accept().
  void answer_accept(net::Responder respond, net::HttpResponse response);
  void refuse_overloaded(const net::Responder& respond);

  PlatformApiDeps deps_;
  Router router_;
  std::atomic<std::uint64_t> requests_total_{0};
  std::atomic<std::uint64_t> auth_failures_total_{0};
  std::atomic<std::uint64_t> messages_queued_total_{0};
  std::atomic<std::uint64_t> messages_ignored_total_{0};
  std::atomic<std::uint64_t> duplicates_total_{0};
  std::atomic<std::uint64_t> notifications_queued_total_{0};
  std::atomic<std::uint64_t> overloaded_total_{0};
  std::mutex accepts_mutex_;
  std::condition_variable accepts_done_;  // wait_for_accepts(): waiting_accepts_ fell to 0
  std::size_t waiting_accepts_ = 0;       // guarded by accepts_mutex_
  std::unique_ptr<StoreReadiness> readiness_;
};

// The JSON of GET /v1/messages/{id} and /v1/notifications/{id}.
std::string source_status_json(const store::SourceStatus& status);
// The HTTP status the contract gives an error code (400, 401, 404, 409, 422, 503, ...).
int http_status_for(const Error& error);

}  // namespace bridgebot::api
