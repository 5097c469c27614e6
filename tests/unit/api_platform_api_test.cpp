#include <catch2/catch.hpp>
#include <future>

#include "bridgebot/api/platform_api.h"
#include "bridgebot/api/signature.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/failing_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

using namespace bridgebot;

namespace {

// One installed workspace, no Slack calls needed.
class OneTeam final : public bridge::InstallationDirectory {
 public:
  Result<bridge::ActiveInstallation> active(std::string_view team_id) override {
    if (team_id != "T0001") return make_error("unknown_team", "not installed");
    bridge::ActiveInstallation a;
    a.team_id = "T0001";
    return a;
  }
  Result<bridge::ActiveInstallation> refresh_expired(std::string_view, std::string_view) override {
    return make_error("token_expired", "");
  }
  std::vector<std::string> active_team_ids() override { return {"T0001"}; }
  Result<std::optional<std::string>> connected_user_token(std::string_view,
                                                          std::string_view) override {
    return std::optional<std::string>{};
  }
};

struct Fixture {
  test::TempDir dir{"api_platform"};
  core::Config config;
  core::FakeClock clock{1'700'000'000};
  std::unique_ptr<store::Store> db;
  store::FailingStore* failing = nullptr;  // db, able to fail writes on demand
  OneTeam installs;
  std::unique_ptr<bridge::Acceptor> acceptor;
  core::ThreadPool workers{2};
  std::unique_ptr<api::PlatformApi> platform;

  Fixture() {
    auto wrapped =
        std::make_unique<store::FailingStore>(store::open_sqlite_store(dir.file("api.db")).value());
    failing = wrapped.get();
    db = std::move(wrapped);
    REQUIRE(test::record_installed(*db, "T0001"));
    config.platform.signing_secret = "signing-secret";
    config.platform.admin_token = "admin-token";
    acceptor = std::make_unique<bridge::Acceptor>(*db, installs, config, clock, nullptr);
    platform = std::make_unique<api::PlatformApi>(
        api::PlatformApiDeps{config, clock, *db, *acceptor, workers, nullptr, nullptr});
  }
  ~Fixture() {
    workers.shutdown();
    platform.reset();
    db.reset();
  }

  net::HttpResponse call(std::string method, std::string target, std::string body = {},
                         bool sign = true) {
    return call_on(*platform, std::move(method), std::move(target), std::move(body), sign);
  }

  net::HttpResponse call_on(api::PlatformApi& api, std::string method, std::string target,
                            std::string body = {}, bool sign = true) {
    return send_on(api, std::move(method), std::move(target), std::move(body), sign).get();
  }

  // Sends without waiting for the answer.
  std::future<net::HttpResponse> send_on(api::PlatformApi& api, std::string method,
                                         std::string target, std::string body = {},
                                         bool sign = true) {
    net::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (sign) {
      request.headers.set("X-Bridge-Timestamp", std::to_string(clock.unix_seconds()));
      request.headers.set("X-Bridge-Signature",
                          api::sign_v2("signing-secret", clock.unix_seconds(), request.method,
                                       request.target, request.body));
    }
    auto done = std::make_shared<std::promise<net::HttpResponse>>();
    auto answer = done->get_future();
    api.handler()(request, [done](net::HttpResponse r) { done->set_value(std::move(r)); });
    return answer;
  }
};

std::string field(const net::HttpResponse& r, const char* key) {
  auto doc = core::parse_json(r.body);
  return doc.ok() ? core::json_string_or(*doc, key) : "";
}

const char* kMessage = R"({"id":"msg-1","sender":{"id":"p-alice","name":"Alice"},
  "mentions":[{"type":"user","id":"p-bob"}],"text":"hi"})";

// A message naming its workspace, as an accept without a worker needs (finding the only installed
// workspace reads the store).
std::string message_to_team(const std::string& id) {
  return R"({"id":")" + id +
         R"(","team_id":"T0001","sender":{"id":"p-alice"},"mentions":[{"type":"user","id":"p-bob"}],"text":"hi"})";
}

bool ready(std::future<net::HttpResponse>& answer) {
  return answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

}  // namespace

TEST_CASE("POST /v1/messages answers 202 queued, then 200 duplicate", "[api][messages]") {
  Fixture f;
  auto first = f.call("POST", "/v1/messages", kMessage);
  CHECK(first.status == 202);
  CHECK(field(first, "status") == "queued");
  CHECK(field(first, "id") == "msg-1");
  auto again = f.call("POST", "/v1/messages", kMessage);
  CHECK(again.status == 200);
  CHECK(field(again, "status") == "duplicate");

  auto status = f.call("GET", "/v1/messages/msg-1");
  CHECK(status.status == 200);
  CHECK(field(status, "status") == "queued");
  CHECK(f.call("GET", "/v1/messages/nope").status == 404);
}

TEST_CASE("ignored messages answer 200 with the reason", "[api][messages]") {
  Fixture f;
  auto r = f.call("POST", "/v1/messages",
                  R"({"id":"m2","sender":{"id":"a"},"mentions":[{"type":"here"}],"text":"x"})");
  CHECK(r.status == 200);
  CHECK(field(r, "status") == "ignored");
  CHECK(field(r, "reason") == "group_mention");
}

TEST_CASE("unsigned, stale or invalid requests are refused with the contract's codes",
          "[api][auth]") {
  Fixture f;
  auto unsigned_request = f.call("POST", "/v1/messages", kMessage, false);
  CHECK(unsigned_request.status == 401);
  CHECK(field(unsigned_request, "error") == "stale_timestamp");

  net::HttpRequest forged;
  forged.method = "POST";
  forged.target = "/v1/messages";
  forged.body = kMessage;
  forged.headers.set("X-Bridge-Timestamp", std::to_string(f.clock.unix_seconds()));
  forged.headers.set("X-Bridge-Signature", "v1=" + std::string(64, '0'));
  std::promise<net::HttpResponse> done;
  f.platform->handler()(forged, [&](net::HttpResponse r) { done.set_value(std::move(r)); });
  auto response = done.get_future().get();
  CHECK(response.status == 401);
  CHECK(field(response, "error") == "invalid_signature");

  auto bad_json = f.call("POST", "/v1/messages", "{oops");
  CHECK(bad_json.status == 400);
  CHECK(field(bad_json, "error") == "invalid_json");
  auto bad_field = f.call("POST", "/v1/messages", R"({"id":"m","sender":{"id":"a"},"text":1})");
  CHECK(bad_field.status == 400);
  CHECK(field(bad_field, "field") == "text");
  auto unknown_team = f.call("POST", "/v1/messages",
                             R"({"id":"m9","team_id":"T9","sender":{"id":"a"},"text":"x"})");
  CHECK(unknown_team.status == 404);
  CHECK(field(unknown_team, "error") == "unknown_team");
}

TEST_CASE("notifications without a matching route answer 422 no_route", "[api][notifications]") {
  Fixture f;
  auto r = f.call("POST", "/v1/notifications", R"({"id":"e1","route":"x","title":"t"})");
  CHECK(r.status == 422);
  CHECK(field(r, "error") == "no_route");
  f.config.routes = {{{"x"}, {}, {{"C1", "", false}}}};
  CHECK(f.call("POST", "/v1/notifications", R"({"id":"e2","route":"x","title":"t"})").status ==
        202);
  CHECK(f.call("GET", "/v1/notifications/e2").status == 200);
}

TEST_CASE("health endpoints answer without authentication", "[api][health]") {
  Fixture f;
  CHECK(f.call("GET", "/healthz", "", false).status == 200);
  CHECK(f.call("GET", "/readyz", "", false).status == 200);
  auto metrics = f.call("GET", "/metrics", "", false);
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("bridgebot_api_requests_total") != std::string::npos);
  // How many secrets a log line's redaction scans: the soak benchmark watches it stay flat.
  CHECK(metrics.body.find("\nbridgebot_log_redaction_secrets ") != std::string::npos);
}

TEST_CASE("/readyz probes the store at most once per interval, however often it is asked",
          "[api][health]") {
  Fixture f;
  const auto writes = f.db->stats().write_transactions;
  for (int i = 0; i < 50; ++i) REQUIRE(f.call("GET", "/readyz", "", false).status == 200);
  CHECK(f.db->stats().write_transactions - writes <= 1);
}

TEST_CASE("/readyz says store_unavailable and nothing about the store itself", "[api][health]") {
  Fixture f;
  f.failing->fail_leases(1);
  auto response = f.call("GET", "/readyz", "", false);
  CHECK(response.status == 503);
  CHECK(field(response, "reason") == "store_unavailable");
  CHECK(response.body.find("injected") == std::string::npos);
  CHECK(response.body.find("api.db") == std::string::npos);
}

TEST_CASE("a full worker queue answers 503 overloaded at once", "[api][overload]") {
  Fixture f;
  core::ThreadPool busy{1, 1};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  REQUIRE(busy.try_post([&started, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  REQUIRE(busy.try_post([] {}));  // the queue's one place is taken
  api::PlatformApi platform(
      api::PlatformApiDeps{f.config, f.clock, *f.db, *f.acceptor, busy, nullptr, nullptr});

  auto response = f.call_on(platform, "GET", "/v1/messages/msg-1");
  release.set_value();

  CHECK(response.status == 503);
  CHECK(field(response, "error") == "overloaded");
  CHECK(response.headers.get("Retry-After") == "1");
  CHECK_THAT(f.call_on(platform, "GET", "/metrics", "", false).body,
             Catch::Contains("bridgebot_api_overloaded_total 1"));
  busy.shutdown();
}

TEST_CASE("on SQLite, accepts are answered from the store's commit without a worker thread",
          "[api][messages][notifications]") {
  Fixture f;
  f.config.routes = {{{"x"}, {}, {{"C1", "", false}}}};
  core::ThreadPool no_workers{0, 0};  // refuses every job: overloaded
  api::PlatformApi platform(
      api::PlatformApiDeps{f.config, f.clock, *f.db, *f.acceptor, no_workers, nullptr, nullptr});

  auto queued = f.call_on(platform, "POST", "/v1/messages", message_to_team("m1"));
  CHECK(queued.status == 202);
  CHECK(field(queued, "status") == "queued");
  CHECK(f.call_on(platform, "POST", "/v1/messages", message_to_team("m1")).status == 200);
  auto notified = f.call_on(platform, "POST", "/v1/notifications",
                            R"({"id":"e1","team_id":"T0001","route":"x","title":"t"})");
  CHECK(notified.status == 202);
  auto unknown = f.call_on(platform, "POST", "/v1/messages",
                           R"({"id":"m9","team_id":"T9","sender":{"id":"a"},"text":"x"})");
  CHECK(unknown.status == 404);
  CHECK(field(unknown, "error") == "unknown_team");
  // What still blocks on the store uses the workers: a status read, or an accept that names no
  // workspace.
  CHECK(field(f.call_on(platform, "GET", "/v1/messages/m1"), "error") == "overloaded");
  CHECK(field(f.call_on(platform, "POST", "/v1/messages", kMessage), "error") == "overloaded");
  const std::string metrics = f.call_on(platform, "GET", "/metrics", "", false).body;
  CHECK_THAT(metrics, Catch::Contains("bridgebot_messages_queued_total 1"));
  CHECK_THAT(metrics, Catch::Contains("bridgebot_duplicates_total 1"));
  CHECK_THAT(metrics, Catch::Contains("bridgebot_notifications_queued_total 1"));
}

TEST_CASE("on a store whose accept blocks (PostgreSQL), accepts run on the workers",
          "[api][messages]") {
  Fixture f;
  f.failing->accept_blocking();
  core::ThreadPool no_workers{0, 0};
  api::PlatformApi platform(
      api::PlatformApiDeps{f.config, f.clock, *f.db, *f.acceptor, no_workers, nullptr, nullptr});
  CHECK(field(f.call_on(platform, "POST", "/v1/messages", message_to_team("m1")), "error") ==
        "overloaded");
  CHECK(f.call("POST", "/v1/messages", message_to_team("m1")).status == 202);
}

TEST_CASE("accepts waiting for the store's commit beyond the limit answer 503 overloaded at once",
          "[api][overload]") {
  Fixture f;
  api::PlatformApiDeps deps{f.config, f.clock, *f.db, *f.acceptor, f.workers, nullptr, nullptr};
  deps.max_waiting_accepts = 2;
  api::PlatformApi platform(deps);
  f.failing->hold_accepts();  // as a writer busy with a slow commit

  auto first = f.send_on(platform, "POST", "/v1/messages", message_to_team("m1"));
  auto second = f.send_on(platform, "POST", "/v1/messages", message_to_team("m2"));
  auto refused = f.call_on(platform, "POST", "/v1/messages", message_to_team("m3"));
  CHECK(refused.status == 503);
  CHECK(field(refused, "error") == "overloaded");
  CHECK(refused.headers.get("Retry-After") == "1");
  CHECK_FALSE(ready(first));
  CHECK_FALSE(ready(second));

  f.failing->release_accepts();
  CHECK(first.get().status == 202);
  CHECK(second.get().status == 202);
  // Answered, they make room again.
  CHECK(f.call_on(platform, "POST", "/v1/messages", message_to_team("m3")).status == 202);
  CHECK_THAT(f.call_on(platform, "GET", "/metrics", "", false).body,
             Catch::Contains("bridgebot_api_overloaded_total 1"));
}
