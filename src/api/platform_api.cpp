#include "bridgebot/api/platform_api.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "bridgebot/api/request_parsing.h"
#include "bridgebot/api/signature.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"
#include "bridgebot/core/log.h"
#include "store_readiness.h"

namespace bridgebot::api {
namespace {

std::string accept_body(const std::string& id, const bridge::AcceptOutcome& outcome) {
  std::string body =
      "{\"id\":" + core::json_quote(id) + ",\"status\":" + core::json_quote(outcome.status);
  if (!outcome.reason.empty()) body += ",\"reason\":" + core::json_quote(outcome.reason);
  return body + "}";
}

int accept_http_status(const bridge::AcceptOutcome& outcome) {
  return outcome.status == "queued" ? 202 : 200;
}

// Ids from the path are stored and sent on like body fields, so the same rule holds for them:
// UTF-8 without NUL. The error, or nullopt when every parameter is clean.
std::optional<Error> unclean_path_param(const PathParams& params) {
  for (const auto& [name, value] : params) {
    if (!core::is_clean_text(value)) {
      Error e = make_error("invalid_field", name + " in the path must be UTF-8 without NUL (%00)");
      e.field = name;
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace

int http_status_for(const Error& error) {
  const std::string& c = error.code;
  if (c == "invalid_json" || c == "invalid_field" || c == "team_id_required" ||
      c == "invalid_domain" || c == "invalid_token") {
    return 400;
  }
  if (c == "unauthorized" || c == "invalid_signature" || c == "stale_timestamp") return 401;
  if (c == "not_found" || c == "unknown_team" || c == "not_linked" || c == "slack_user_not_found") {
    return 404;
  }
  if (c == "not_rotating" || c == "conflict") return 409;
  if (c == "no_route" || c == "domain_mismatch" || c == "missing_scopes") return 422;
  if (c == "invalid_auth" || c == "token_revoked" || c == "token_expired" || c == "not_authed" ||
      c == "account_inactive") {
    return 422;  // the token the admin gave is unusable: their input, not our failure
  }
  return error.transient || c == "store_busy" ? 503 : 500;
}

std::string source_status_json(const store::SourceStatus& status) {
  std::string body = "{\"id\":" + core::json_quote(status.source_id) + ",\"status\":" +
                     core::json_quote(std::string(store::to_string(status.status)));
  if (!status.reason.empty()) body += ",\"reason\":" + core::json_quote(status.reason);
  body += ",\"deliveries\":[";
  for (std::size_t i = 0; i < status.deliveries.size(); ++i) {
    const auto& d = status.deliveries[i];
    body += std::string(i ? "," : "") + "{\"role\":" + core::json_quote(d.role);
    if (!d.slack_user.empty()) body += ",\"slack_user\":" + core::json_quote(d.slack_user);
    body +=
        ",\"channel\":" + core::json_quote(d.channel) + ",\"ts\":" + core::json_quote(d.ts) + "}";
  }
  return body + "]}";
}

PlatformApi::PlatformApi(PlatformApiDeps deps)
    : deps_(std::move(deps)),
      readiness_(std::make_unique<StoreReadiness>(deps_.store, deps_.clock)) {
  add_message_routes();
  add_notification_routes();
  add_health_routes();
}

net::RequestHandler PlatformApi::handler() {
  return [this](net::HttpRequest request, net::Responder respond) {
    ++requests_total_;
    router_.dispatch(request, std::move(respond));
  };
}

void PlatformApi::on_worker(net::Responder respond, std::function<net::HttpResponse()> work) {
  // Copies of a Responder share one answer, so the copy left here can still refuse.
  if (deps_.workers.try_post([respond, work = std::move(work)] { respond(work()); })) return;
  refuse_overloaded(respond);
}

void PlatformApi::refuse_overloaded(const net::Responder& respond) {
  ++overloaded_total_;
  auto refused = error_response(503, "overloaded", "too many requests are waiting: try again");
  refused.headers.set("Retry-After", "1");
  respond(std::move(refused));
}

bool PlatformApi::begin_accept(const net::Responder& respond) {
  {
    std::lock_guard lock(accepts_mutex_);
    if (waiting_accepts_ < deps_.max_waiting_accepts) {
      ++waiting_accepts_;
      return true;
    }
  }
  refuse_overloaded(respond);
  return false;
}

void PlatformApi::end_accept() {
  // Notified under the lock: wait_for_accepts() cannot return (and the API be destroyed) before
  // this call is done with it.
  std::lock_guard lock(accepts_mutex_);
  if (--waiting_accepts_ == 0) accepts_done_.notify_all();
}

void PlatformApi::answer_accept(net::Responder respond, net::HttpResponse response) {
  respond(std::move(response));
  respond = nullptr;  // nothing of the request outlives its count: the API may go right after
  end_accept();
}

void PlatformApi::wait_for_accepts() {
  std::unique_lock lock(accepts_mutex_);
  accepts_done_.wait(lock, [this] { return waiting_accepts_ == 0; });
}

net::HttpResponse PlatformApi::message_answer(const std::string& id,
                                              const Result<bridge::AcceptOutcome>& outcome) {
  if (!outcome.ok()) return error_response(http_status_for(outcome.error()), outcome.error());
  if (outcome->status == "queued") ++messages_queued_total_;
  if (outcome->status == "ignored") ++messages_ignored_total_;
  if (outcome->status == "duplicate") ++duplicates_total_;
  return json_response(accept_http_status(*outcome), accept_body(id, *outcome));
}

net::HttpResponse PlatformApi::notification_answer(const std::string& id,
                                                   const Result<bridge::AcceptOutcome>& outcome) {
  if (!outcome.ok()) return error_response(http_status_for(outcome.error()), outcome.error());
  if (outcome->status == "queued") ++notifications_queued_total_;
  if (outcome->status == "duplicate") ++duplicates_total_;
  return json_response(accept_http_status(*outcome), accept_body(id, *outcome));
}

RouteHandler PlatformApi::signed_route(RouteHandler inner) {
  return [this, inner = std::move(inner)](const net::HttpRequest& request, const PathParams& params,
                                          net::Responder respond) {
    const std::string_view timestamp = request.headers.get_view("X-Bridge-Timestamp");
    const std::string_view signature = request.headers.get_view("X-Bridge-Signature");
    const bool accept_v1 =
        deps_.config.platform.accept_v1_signatures && v1_route(request.method, request.path_view());
    auto verified = verify_request(
        deps_.config.platform.signing_secret,
        SignedRequest{request.method, request.target, timestamp, signature, request.body},
        accept_v1, deps_.clock.unix_seconds());
    if (!verified.ok()) {
      ++auth_failures_total_;
      respond(error_response(401, verified.error()));
      return;
    }
    if (auto unclean = unclean_path_param(params)) {
      respond(error_response(400, *unclean));
      return;
    }
    inner(request, params, std::move(respond));
  };
}

RouteHandler PlatformApi::admin_route(RouteHandler inner) {
  return [this, inner = std::move(inner)](const net::HttpRequest& request, const PathParams& params,
                                          net::Responder respond) {
    const std::string expected = "Bearer " + deps_.config.platform.admin_token;
    if (!core::constant_time_equal(request.headers.get("Authorization"), expected)) {
      ++auth_failures_total_;
      respond(error_response(401, "unauthorized",
                             "admin endpoints need Authorization: Bearer <platform.admin_token>"));
      return;
    }
    if (auto unclean = unclean_path_param(params)) {
      respond(error_response(400, *unclean));
      return;
    }
    inner(request, params, std::move(respond));
  };
}

void PlatformApi::add_message_routes() {
  router_.add("POST", "/v1/messages",
              signed_route([this](const net::HttpRequest& request, const PathParams&,
                                  net::Responder respond) {
                auto message = parse_message(request.body);
                if (!message.ok()) {
                  respond(error_response(400, message.error()));
                  return;
                }
                const std::string id = message->id;
                if (!deps_.acceptor.accepts_without_blocking(message->team_id)) {
                  on_worker(std::move(respond), [this, id, m = std::move(*message)]() mutable {
                    return message_answer(id, deps_.acceptor.accept_message(std::move(m)));
                  });
                  return;
                }
                if (!begin_accept(respond)) return;
                deps_.acceptor.accept_message(
                    std::move(*message), [this, id, respond = std::move(respond)](
                                             Result<bridge::AcceptOutcome> outcome) mutable {
                      answer_accept(std::move(respond), message_answer(id, outcome));
                    });
              }));
  router_.add("GET", "/v1/messages/{id}",
              signed_route([this](const net::HttpRequest&, const PathParams& params,
                                  net::Responder respond) {
                on_worker(std::move(respond), [this, id = params.at("id")] {
                  auto status = deps_.store.source_status(store::SourceKind::message, id);
                  if (!status.ok())
                    return error_response(http_status_for(status.error()), status.error());
                  if (!status->has_value()) {
                    return error_response(404, "not_found", "no message with id " + id);
                  }
                  return json_response(200, source_status_json(**status));
                });
              }));
}

void PlatformApi::add_notification_routes() {
  router_.add(
      "POST", "/v1/notifications",
      signed_route(
          [this](const net::HttpRequest& request, const PathParams&, net::Responder respond) {
            auto notification = parse_notification(request.body);
            if (!notification.ok()) {
              respond(error_response(400, notification.error()));
              return;
            }
            const std::string id = notification->id;
            if (!deps_.acceptor.accepts_without_blocking(notification->team_id)) {
              on_worker(std::move(respond), [this, id, n = std::move(*notification)]() mutable {
                return notification_answer(id, deps_.acceptor.accept_notification(std::move(n)));
              });
              return;
            }
            if (!begin_accept(respond)) return;
            deps_.acceptor.accept_notification(
                std::move(*notification), [this, id, respond = std::move(respond)](
                                              Result<bridge::AcceptOutcome> outcome) mutable {
                  answer_accept(std::move(respond), notification_answer(id, outcome));
                });
          }));
  router_.add("GET", "/v1/notifications/{id}",
              signed_route([this](const net::HttpRequest&, const PathParams& params,
                                  net::Responder respond) {
                on_worker(std::move(respond), [this, id = params.at("id")] {
                  auto status = deps_.store.source_status(store::SourceKind::notification, id);
                  if (!status.ok())
                    return error_response(http_status_for(status.error()), status.error());
                  if (!status->has_value()) {
                    return error_response(404, "not_found", "no notification with id " + id);
                  }
                  return json_response(200, source_status_json(**status));
                });
              }));
}

void PlatformApi::add_health_routes() {
  router_.add("GET", "/healthz",
              [](const net::HttpRequest&, const PathParams&, net::Responder respond) {
                respond(json_response(200, R"({"status":"ok"})"));
              });
  router_.add(
      "GET", "/readyz", [this](const net::HttpRequest&, const PathParams&, net::Responder respond) {
        if (auto fresh = readiness_->cached()) return respond(readiness_answer(*fresh));
        on_worker(std::move(respond), [this] { return readiness_answer(readiness_->check()); });
      });
  router_.add("GET", "/metrics",
              [this](const net::HttpRequest&, const PathParams&, net::Responder respond) {
                net::HttpResponse response;
                response.headers.set("Content-Type", "text/plain; version=0.0.4");
                response.body = metrics_text();
                respond(std::move(response));
              });
}

PlatformApi::~PlatformApi() {
  wait_for_accepts();
}

// Anonymous callers learn only "store_unavailable"; StoreReadiness logs the detail.
net::HttpResponse PlatformApi::readiness_answer(bool store_writable) const {
  std::string reason = !store_writable          ? "store_unavailable"
                       : deps_.not_ready_reason ? deps_.not_ready_reason()
                                                : std::string();
  if (reason.empty()) return json_response(200, R"({"status":"ready"})");
  return json_response(503,
                       "{\"status\":\"not_ready\",\"reason\":" + core::json_quote(reason) + "}");
}

std::string PlatformApi::metrics_text() const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(value) + "\n";
  };
  counter("bridgebot_api_requests_total", "HTTP requests received", requests_total_.load());
  counter("bridgebot_api_auth_failures_total", "Requests refused for signature or admin token",
          auth_failures_total_.load());
  counter("bridgebot_messages_queued_total", "Messages accepted for relay",
          messages_queued_total_.load());
  counter("bridgebot_messages_ignored_total", "Messages not relayed by the relay rule",
          messages_ignored_total_.load());
  counter("bridgebot_duplicates_total", "Repeated ids answered as duplicates",
          duplicates_total_.load());
  counter("bridgebot_api_overloaded_total", "Requests refused with 503 overloaded (queue full)",
          overloaded_total_.load());
  counter("bridgebot_notifications_queued_total", "Notifications accepted",
          notifications_queued_total_.load());
  const auto stats = deps_.store.stats();
  counter("bridgebot_store_write_transactions_total", "Store transactions committed",
          stats.write_transactions);
  // What a log line's redaction scans: bounded by distinct secrets, whatever the traffic.
  out +=
      "# HELP bridgebot_log_redaction_secrets Secrets log redaction holds\n"
      "# TYPE bridgebot_log_redaction_secrets gauge\nbridgebot_log_redaction_secrets " +
      std::to_string(core::registered_secret_count()) + "\n";
  if (deps_.extra_metrics) out += deps_.extra_metrics();
  return out;
}

}  // namespace bridgebot::api
