#include "app.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "bridgebot/api/admin_console.h"
#include "bridgebot/api/installation_routes.h"
#include "bridgebot/api/link_routes.h"
#include "bridgebot/api/oauth_routes.h"
#include "bridgebot/api/platform_api.h"
#include "bridgebot/api/reply_webhook.h"
#include "bridgebot/api/slack_events_routes.h"
#include "bridgebot/api/source_routes.h"
#include "bridgebot/bridge/acceptor.h"
#include "bridgebot/bridge/connection_test.h"
#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/directory_sweeper.h"
#include "bridgebot/bridge/dispatcher.h"
#include "bridgebot/bridge/event_inbox.h"
#include "bridgebot/bridge/events.h"
#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/bridge/oauth_states.h"
#include "bridgebot/bridge/retention.h"
#include "bridgebot/bridge/sources/zendesk_intake.h"
#include "bridgebot/core/json.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/core/thread_pool.h"
#include "bridgebot/net/async_http.h"
#include "bridgebot/net/event_loops.h"
#include "bridgebot/net/http_server.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/socket_mode.h"
#include "bridgebot/slack/web_api.h"
#include "store_opening.h"

namespace bridgebot::cli {
namespace {

// Records each Events API envelope in the inbox before Socket Mode acks it.
class EventsFromSocketMode final : public slack::EnvelopeHandler {
 public:
  explicit EventsFromSocketMode(bridge::EventInbox& inbox) : inbox_(inbox) {}
  Status on_envelope(const slack::Envelope& envelope) override {
    if (envelope.type != "events_api") return {};  // no slash commands or interactivity yet
    auto payload = core::parse_json(envelope.payload_json);
    const rapidjson::Value* event = payload.ok() ? core::json_object(*payload, "event") : nullptr;
    if (event == nullptr) return {};  // nothing to handle; acked so that Slack stops sending it
    // Slack always sends an event_id; without one, the envelope id at least stops repeats.
    bridge::IncomingEvent incoming{
        envelope.event_id.empty() ? "envelope:" + envelope.envelope_id : envelope.event_id,
        envelope.team_id, envelope.event_type, core::to_json(*event)};
    auto recorded = inbox_.record(incoming);
    if (!recorded.ok()) return recorded.error();
    return {};
  }

 private:
  bridge::EventInbox& inbox_;
};

// Runs `job` now and then every `period` on its own thread until destroyed.
class PeriodicJob {
 public:
  PeriodicJob(std::chrono::seconds period, std::function<void()> job)
      : thread_([this, period, job = std::move(job)] {
          std::unique_lock lock(mutex_);
          do {
            lock.unlock();
            job();
            lock.lock();
          } while (!wake_.wait_for(lock, period, [this] { return stopping_; }));
        }) {}
  ~PeriodicJob() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the fields it uses
};

}  // namespace

// Construction order is dependency order; members are destroyed in reverse.
struct App::Parts {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::SecretBox> box;
  std::unique_ptr<net::HttpClient> http;
  // The dispatcher's deliveries and their Slack calls share these loops: an answer resumes its
  // delivery on the loop that read it. Both outlive the dispatcher.
  std::unique_ptr<net::EventLoops> delivery_loops;
  std::unique_ptr<net::AsyncHttpClient> delivery_http;  // many calls in flight per loop
  std::unique_ptr<slack::RateLimiter> limiter;
  std::unique_ptr<slack::WebApi> slack;
  // The dispatcher's: sends nothing for a workspace disconnected since the item was claimed.
  std::unique_ptr<slack::WebApi> delivery_slack;
  std::unique_ptr<bridge::InstallationService> installations;
  std::unique_ptr<bridge::OAuthStates> oauth_states;
  std::unique_ptr<PeriodicJob> token_refresher;
  std::unique_ptr<bridge::Retention> retention;
  std::unique_ptr<PeriodicJob> retention_job;  // hourly, from start; none with retention_days 0
  // Before the Directories that share it (directory_memo.h).
  std::unique_ptr<bridge::DirectoryMemo> directory_memo;
  std::unique_ptr<bridge::Directory> directory;
  std::unique_ptr<bridge::DirectorySweeper> sweeper;
  // The dispatcher's, over delivery_slack: its lookups hold no thread while paced (or told to
  // wait) and, like its posts, are not sent once the dispatcher stops or lost the workspace.
  std::unique_ptr<bridge::Directory> delivery_directory;
  std::unique_ptr<api::ReplyWebhook> replies;  // none while platform.reply_webhook_url is empty
  std::unique_ptr<bridge::Dispatcher> dispatcher;
  std::unique_ptr<bridge::Acceptor> acceptor;
  std::unique_ptr<bridge::sources::ZendeskIntake> zendesk;
  std::unique_ptr<bridge::EventHandler> events;
  std::unique_ptr<bridge::EventInbox> inbox;  // Slack events, recorded before they are acked
  std::unique_ptr<EventsFromSocketMode> envelope_handler;
  // Socket Mode gets its own WebApi with short waits: its supervisor retries with its own backoff.
  std::unique_ptr<slack::WebApi> socket_slack;
  std::unique_ptr<slack::SocketMode> socket_mode;
  std::unique_ptr<core::ThreadPool> workers;
  std::unique_ptr<api::PlatformApi> platform;
  std::unique_ptr<net::HttpServer> server;
};

namespace {

using Counters = std::initializer_list<std::pair<const char*, std::uint64_t>>;

// One Prometheus sample line per counter; `sample_name(name)` gives the line's metric name.
template <typename SampleName>
std::string sample_lines(Counters counters, SampleName sample_name) {
  std::string out;
  for (const auto& [name, value] : counters) {
    out += sample_name(std::string(name)) + " " + std::to_string(value) + "\n";
  }
  return out;
}

std::string socket_mode_metrics(const slack::SocketModeStatus& status) {
  const auto& c = status.counters;
  return "# HELP bridgebot_socket_mode_connections Socket Mode connections open and alive\n"
         "# TYPE bridgebot_socket_mode_connections gauge\n"
         "bridgebot_socket_mode_connections " +
         std::to_string(status.open_connections) + "\n" +
         sample_lines(
             {{"envelopes", c.envelopes},
              {"acks", c.acks},
              {"record_failures", c.record_failures},
              {"reconnects", c.reconnects},
              {"connect_failures", c.connect_failures}},
             [](const std::string& name) { return "bridgebot_socket_mode_" + name + "_total"; });
}

std::string inbox_metrics(const bridge::EventInboxMetrics& m) {
  return "# HELP bridgebot_events_total Slack events, by what became of them\n"
         "# TYPE bridgebot_events_total counter\n" +
         sample_lines({{"recorded", m.recorded},
                       {"duplicate", m.duplicates},
                       {"handled", m.handled},
                       {"retried", m.retried},
                       {"given_up", m.given_up}},
                      [](const std::string& name) {
                        return "bridgebot_events_total{outcome=\"" + name + "\"}";
                      });
}

std::string dispatcher_metrics(const bridge::DispatcherMetrics& m) {
  return "# HELP bridgebot_outbox_items_total Outbox items finished, by outcome\n"
         "# TYPE bridgebot_outbox_items_total counter\n" +
         sample_lines({{"delivered", m.delivered},
                       {"failed", m.failed},
                       {"undeliverable", m.undeliverable},
                       {"ignored", m.ignored},
                       {"retried", m.retried}},
                      [](const std::string& name) {
                        return "bridgebot_outbox_items_total{outcome=\"" + name + "\"}";
                      }) +
         "# HELP bridgebot_outbox_items_claimed_total Outbox items taken for delivery: by their "
         "accept, or later by the claimer\n"
         "# TYPE bridgebot_outbox_items_claimed_total counter\n" +
         sample_lines({{"accept", m.claimed_at_accept}, {"claimer", m.claimed_later}},
                      [](const std::string& name) {
                        return "bridgebot_outbox_items_claimed_total{by=\"" + name + "\"}";
                      });
}

}  // namespace

App::App(core::Config config) : config_(std::move(config)) {}

App::~App() {
  stop();
}

Status App::start() {
  parts_ = std::make_unique<Parts>();
  Parts& p = *parts_;
  auto& clock = core::system_clock();

  auto opened = open_configured_store(config_);
  if (!opened.ok()) return opened.error();
  p.store = std::move(opened->store);
  if (!opened->key_file.empty()) {
    spdlog::warn(
        "no security.encryption_key configured: created the key file {} (mode 0600). "
        "Back it up with the database; without it stored tokens cannot be read",
        opened->key_file);
  }
  spdlog::info("store: {}", core::without_password(config_.store_url));
  p.box = std::make_unique<core::SecretBox>(opened->key);

  net::ClientOptions http_options;
  http_options.tls.ca_file = config_.slack.tls_ca_file;
  http_options.tls.allow_plaintext = config_.slack.tls_allow_plaintext;
  p.http = net::make_http_client(http_options);
  slack::RateLimiterOptions limits;
  limits.post_message_per_team =
      slack::post_message_per_workspace(config_.slack.post_message_per_workspace_per_minute);
  p.limiter = std::make_unique<slack::RateLimiter>(clock, limits);
  p.slack = std::make_unique<slack::WebApi>(*p.http, config_.slack.api_base_url, clock, *p.limiter);
  bridge::InstallationServiceOptions install_options;
  if (const auto& oauth = config_.slack.oauth) {
    install_options.oauth = slack::OAuthClient{oauth->client_id, oauth->client_secret};
  }
  install_options.zendesk_sources = config_.zendesk_sources;
  install_options.replies = !config_.platform.reply_webhook_url.empty();
  install_options.post_message_per_workspace_per_minute =
      config_.slack.post_message_per_workspace_per_minute;
  p.installations = std::make_unique<bridge::InstallationService>(*p.store, *p.slack, *p.box, clock,
                                                                  install_options);
  p.oauth_states = std::make_unique<bridge::OAuthStates>(*p.store, *p.box, clock);

  if (!config_.slack.bot_token.empty()) {
    auto installed =
        p.installations->install_bot_token(config_.slack.bot_token, config_.slack.workspace_domain);
    if (!installed.ok()) {
      Error e = installed.error();
      e.message = "slack.bot_token: " + e.message;
      return e;
    }
  }

  p.directory_memo = std::make_unique<bridge::DirectoryMemo>(clock);
  bridge::DirectoryOptions directory_options;
  directory_options.memo = p.directory_memo.get();
  p.directory = std::make_unique<bridge::Directory>(*p.store, *p.slack, *p.installations, clock,
                                                    directory_options);
  p.sweeper = std::make_unique<bridge::DirectorySweeper>(*p.directory, *p.installations);
  bridge::DispatcherOptions dispatch_options;
  dispatch_options.relay = config_.relay;
  dispatch_options.routes = config_.routes;
  // Deliveries are coroutines on 2 event loops that also carry their Slack calls, up to 512
  // waiting for Slack at once, and never wait for a commit: claims come in batches and outcomes
  // are recorded in batches behind them (tests/bench/bench_relay_throughput).
  dispatch_options.claim_batch = 256;
  dispatch_options.recorders = 2;
  p.delivery_loops = std::make_unique<net::EventLoops>(dispatch_options.workers, "delivery");
  dispatch_options.executor = p.delivery_loops.get();
  net::ClientOptions delivery_http_options = http_options;
  delivery_http_options.max_connections_per_host = 64;  // per loop
  delivery_http_options.max_idle_per_host = 64;         // a burst's connections stay for the next
  p.delivery_http = net::make_async_http_client(delivery_http_options, *p.delivery_loops);
  if (!config_.platform.reply_webhook_url.empty()) {
    p.replies =
        std::make_unique<api::ReplyWebhook>(*p.delivery_http, config_.platform.reply_webhook_url,
                                            config_.platform.signing_secret, clock);
    dispatch_options.replies = p.replies.get();
  }
  p.delivery_slack = std::make_unique<slack::WebApi>(
      *p.http, config_.slack.api_base_url, clock, *p.limiter, slack::RetryPolicy{},
      slack::WebApi::SleepFunction{}, slack::WebApi::JitterSource{},
      [&p](std::string_view team_id) -> Status {
        // A call that waited (rate limits) past this process's hold on the team's partition
        // is not sent: another process may be delivering the item by now.
        if (p.dispatcher && !p.dispatcher->may_send(team_id)) {
          return make_error("partition_lost",
                            "this process no longer delivers for the workspace: not sent", true);
        }
        // Asked right before each of the dispatcher's Slack calls, which may have waited (rate
        // limits) since the item was claimed: a Disconnect answered meanwhile must stop it.
        return p.installations->may_post(team_id);
      },
      p.delivery_http.get());
  p.delivery_directory = std::make_unique<bridge::Directory>(
      *p.store, *p.delivery_slack, *p.installations, clock, directory_options);
  p.dispatcher =
      std::make_unique<bridge::Dispatcher>(*p.store, *p.delivery_slack, *p.installations,
                                           *p.delivery_directory, clock, dispatch_options);
  p.acceptor = std::make_unique<bridge::Acceptor>(
      *p.store, *p.installations, config_, clock, [d = p.dispatcher.get()] { d->notify(); },
      p.dispatcher.get());
  // Enough accept calls in flight for the store's group commit to batch them (PostgreSQL: on
  // SQLite an accept is handed to the store's writer from the HTTP I/O thread, no worker held).
  // Beyond 256 waiting requests, on either path, the API answers 503 overloaded instead of
  // queueing without bound.
  constexpr std::size_t kMaxWaitingRequests = 256;
  p.workers = std::make_unique<core::ThreadPool>(32, kMaxWaitingRequests);
  p.platform = std::make_unique<api::PlatformApi>(api::PlatformApiDeps{
      config_, clock, *p.store, *p.acceptor, *p.workers,
      [&p]() -> std::string {
        if (!p.socket_mode) return {};
        const auto status = p.socket_mode->status();
        if (status.connected) return {};
        return status.message.empty() ? "no Socket Mode connection is open yet" : status.message;
      },
      [&p] {
        std::string out = dispatcher_metrics(p.dispatcher->metrics());
        if (p.inbox) out += inbox_metrics(p.inbox->metrics());
        if (p.socket_mode) out += socket_mode_metrics(p.socket_mode->status());
        return out;
      },
      kMaxWaitingRequests});

  api::add_link_routes(
      *p.platform, {*p.store, *p.directory, *p.acceptor, clock,
                    [i = p.installations.get()](const std::string& team, const std::string& user) {
                      (void)i->revoke_user_token(team, user);  // best effort, logged inside
                    }});
  // One app token serves every workspace, so each one's Socket Mode state is the app's.
  auto socket_mode_state = [&p, this](std::string_view) -> std::string {
    if (config_.slack.events_mode == "http") return std::string(bridge::kSocketModeNotUsed);
    if (!p.socket_mode) return "disabled";
    return slack::to_string(p.socket_mode->status().state);
  };
  api::add_installation_routes(*p.platform, {*p.installations, *p.store, socket_mode_state});
  api::add_oauth_routes(*p.platform, {config_, *p.installations, *p.oauth_states, *p.slack});
  p.zendesk = std::make_unique<bridge::sources::ZendeskIntake>(config_.zendesk_sources, *p.acceptor,
                                                               *p.store, clock);
  api::add_source_routes(*p.platform, *p.zendesk);
  api::add_admin_console(
      *p.platform, {config_, clock, *p.installations, *p.store, *p.directory, socket_mode_state});
  // Rotating tokens are refreshed ahead of expiry even when no event arrives (bolt-js #1968).
  p.token_refresher = std::make_unique<PeriodicJob>(
      std::chrono::minutes(5), [i = p.installations.get()] { (void)i->refresh_due(); });
  if (config_.store_retention_days > 0) {
    p.retention =
        std::make_unique<bridge::Retention>(*p.store, clock, config_.store_retention_days);
    p.retention_job = std::make_unique<PeriodicJob>(std::chrono::hours(1), [r = p.retention.get()] {
      if (auto pruned = r->run(); !pruned.ok()) {
        spdlog::warn("retention: {}", pruned.error().to_string());  // tried again in an hour
      }
    });
  }

  p.dispatcher->start();
  p.sweeper->start();

  bridge::EventOptions event_options;
  event_options.replies = p.replies != nullptr;
  event_options.on_new_work = [d = p.dispatcher.get()] { d->notify(); };
  p.events = std::make_unique<bridge::EventHandler>(*p.store, *p.slack, *p.installations,
                                                    *p.directory, clock, event_options);
  p.inbox = std::make_unique<bridge::EventInbox>(*p.store, *p.events, clock);
  p.inbox->start();
  if (config_.slack.events_mode == "http") {
    api::add_slack_events_routes(*p.platform, {config_.slack.signing_secret, clock, *p.inbox});
    spdlog::info("Slack events: over HTTP at {} (no Socket Mode)", api::kSlackEventsPath);
  }
  if (core::uses_socket_mode(config_.slack)) {
    slack::RetryPolicy short_waits;
    short_waits.max_wait = std::chrono::seconds(2);
    short_waits.max_attempts = 1;
    p.socket_slack = std::make_unique<slack::WebApi>(*p.http, config_.slack.api_base_url, clock,
                                                     *p.limiter, short_waits);
    p.envelope_handler = std::make_unique<EventsFromSocketMode>(*p.inbox);
    slack::SocketModeOptions socket_options;
    socket_options.connections = config_.slack.socket_mode_connections;
    socket_options.tls = http_options.tls;
    p.socket_mode = std::make_unique<slack::SocketMode>(*p.socket_slack, config_.slack.app_token,
                                                        socket_options, *p.envelope_handler);
    if (auto started = p.socket_mode->start(); !started.ok()) return started.error();
    spdlog::info("Socket Mode: opening {} connection(s)", socket_options.connections);
  }

  for (const auto& route : p.platform->router().routes()) {
    spdlog::debug("platform API route: {}", route);
  }
  net::ServerOptions server_options;
  server_options.listen = config_.platform.listen;
  server_options.max_body_bytes = config_.platform.max_body_bytes;
  p.server = std::make_unique<net::HttpServer>(server_options, p.platform->handler());
  if (auto started = p.server->start(); !started.ok()) {
    Error e = started.error();
    e.message = "platform.listen " + config_.platform.listen + ": " + e.message;
    return e;
  }
  spdlog::info("platform API listening on {} (port {})", config_.platform.listen, p.server->port());
  return Status::success();
}

void App::stop() {
  if (!parts_) return;
  Parts& p = *parts_;
  if (p.server) p.server->stop();
  if (p.socket_mode) p.socket_mode->stop();
  if (p.inbox) p.inbox->stop();
  p.token_refresher.reset();
  p.retention_job.reset();
  if (p.workers) p.workers->shutdown();
  // Accepts handed to the store's writer are answered before the dispatcher stops, as the
  // workers' are: their completions hand items to the dispatcher.
  if (p.platform) p.platform->wait_for_accepts();
  if (p.sweeper) p.sweeper->stop();
  if (p.dispatcher) p.dispatcher->stop();
  parts_.reset();
}

std::uint16_t App::api_port() const {
  return parts_ && parts_->server ? parts_->server->port() : 0;
}

}  // namespace bridgebot::cli
