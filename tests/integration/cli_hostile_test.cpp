// The real binary against hostile or careless clients: anonymous floods of every public route,
// thousands of idle or trickling connections, a refused body that keeps coming, a lost or exposed
// key file, and a Disconnect that lands while a delivery waits for its Slack call.
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include "store_file.h"
#include "support/cli_fixture.h"
#include "support/raw_connection.h"
#include "support/wait_until.h"

using namespace bridgebot;
using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

long total_rows(const std::map<std::string, long>& rows) {
  return std::accumulate(rows.begin(), rows.end(), 0L,
                         [](long sum, const auto& table) { return sum + table.second; });
}

std::string describe(const std::map<std::string, long>& rows) {
  std::string out;
  for (const auto& [table, count] : rows) out += table + "=" + std::to_string(count) + " ";
  return out;
}

// A keep-alive client of the bot for one flooding thread.
class Anonymous {
 public:
  explicit Anonymous(std::string base_url) : base_url_(std::move(base_url)) {
    net::ClientOptions options;
    options.tls.allow_plaintext = true;
    http_ = net::make_http_client(options);
  }

  net::HttpResponse send(const std::string& method, const std::string& path,
                         const std::string& body = {}) {
    net::ClientRequest request;
    request.method = method;
    request.url = base_url_ + path;
    request.body = body;
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    auto response = http_->send(request);
    return response.ok() ? *response : net::HttpResponse{0, {}, response.error().to_string()};
  }

 private:
  std::string base_url_;
  std::unique_ptr<net::HttpClient> http_;
};

std::string query_value(const std::string& url, const std::string& name) {
  const auto at = url.find(name + "=");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 1;
  return url.substr(start, url.find('&', start) - start);
}

// The answers that were not the expected page or refusal, shared by the flooding threads.
struct Surprises {
  std::mutex mutex;
  std::vector<std::string> seen;

  void add(std::string what) {
    std::lock_guard lock(mutex);
    seen.push_back(std::move(what));
  }
};

// One round of every public route, as an anonymous visitor would send it.
void hit_every_public_route(Anonymous& client, Surprises& surprises) {
  auto expect = [&](const net::HttpResponse& answer, int wanted) {
    if (answer.status != wanted) {
      surprises.add(std::to_string(answer.status) + " " + answer.body.substr(0, 200));
    }
  };
  expect(client.send("GET", "/healthz"), 200);
  expect(client.send("GET", "/readyz"), 200);
  expect(client.send("GET", "/metrics"), 200);
  // Add to Slack, then Cancel on Slack's page.
  const auto install = client.send("GET", "/slack/install");
  expect(install, 302);
  const std::string state = query_value(install.headers.get("Location"), "state");
  expect(client.send("GET", "/slack/oauth_redirect?state=" + state + "&error=access_denied"), 200);
  expect(client.send("GET", "/slack/oauth_redirect?state=forged&error=access_denied"), 400);
  expect(client.send("GET", "/slack/connect?t=forged"), 400);
  expect(client.send("POST", "/v1/messages", R"({"id":"x","sender":{"id":"a"},"text":"t"})"), 401);
  expect(client.send("POST", "/v1/notifications", R"({"id":"x","route":"r"})"), 401);
  expect(client.send("GET", "/v1/messages/x"), 401);
  expect(client.send("PUT", "/v1/users/p-x/link", R"({"team_id":"T0001"})"), 401);
  expect(client.send("POST", "/v1/users/p-x/connect", "{}"), 401);
  expect(client.send("GET", "/v1/installations"), 401);
}

// Lets this test process hold thousands of sockets.
void raise_own_file_limit(rlim_t wanted) {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur >= wanted) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
    FAIL("the hard open-file limit " << limit.rlim_max << " is below " << wanted);
  }
  limit.rlim_cur = wanted;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
}

}  // namespace

TEST_CASE("Anonymous floods of every public route leave the store's rows as they were",
          "[cli][hostile][flood]") {
  Bridge bridge;
  bridge.enable_oauth();
  bridge.start_bot();
  // The start-up directory sweep fills its table meanwhile: let it finish first.
  REQUIRE(wait_until(
      [&] { return bridge.bot->output().find("directory: swept team T0001") != std::string::npos; },
      10s, 20ms));
  const auto before = StoreFile(bridge.settings.store_path).table_rows();

  constexpr int kThreads = 8;
  constexpr int kRounds = 125;  // 1,000 rounds: 1,000 Add to Slack round trips among them
  Surprises surprises;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Anonymous client(bridge.bot->base_url());
      for (int round = 0; round < kRounds; ++round) hit_every_public_route(client, surprises);
    });
  }
  for (auto& thread : threads) thread.join();

  const auto after = StoreFile(bridge.settings.store_path).table_rows();
  INFO("before: " << describe(before) << "\nafter: " << describe(after) << "\n"
                  << bridge.bot->output_tail());
  for (std::size_t i = 0; i < surprises.seen.size() && i < 5; ++i) UNSCOPED_INFO(surprises.seen[i]);
  CHECK(surprises.seen.empty());
  // /readyz's probe may add its one lease row; nothing else may stay.
  CHECK(total_rows(after) <= total_rows(before) + 1);
}

TEST_CASE("Two thousand idle or trickling connections are shed while a signed request is served",
          "[cli][hostile][connections]") {
  raise_own_file_limit(4096);
  Bridge bridge;
  bridge.start_bot();
  const auto port = bridge.bot->port();

  std::vector<std::unique_ptr<RawConnection>> hogs;
  for (int i = 0; i < 2000; ++i) {
    hogs.push_back(std::make_unique<RawConnection>(port));
    REQUIRE(hogs.back()->connected());
    // Every other one starts a header it then trickles, one byte at a time.
    if (i % 2 == 1) (void)hogs.back()->send("GET /healthz HTTP/1.1\r\nX-Slow: ");
  }

  // The bot keeps answering: beyond its cap with 503 overloaded, then, as the stalled
  // connections time out, normally. Generous bounds: this is about staying up, not latency.
  std::string last;
  const bool served = wait_until(
      [&] {
        const auto r = bridge.api->post(
            "/v1/messages",
            message_body("hostile-1", alice(), {user_mention(bob())}, "still here"));
        last = std::to_string(r.status) + " " + r.body;
        return r.status == 202 || r.status == 200;
      },
      30s, 200ms);
  INFO(last << "\n" << bridge.bot->output_tail());
  CHECK(served);

  // Every hog is closed by the bot (refused at once, or after the header timeout), tricklers
  // included; the refused ones were told why.
  int closed = 0;
  int told_overloaded = 0;
  const auto deadline = std::chrono::steady_clock::now() + 25s;
  std::vector<bool> done(hogs.size(), false);
  while (closed < static_cast<int>(hogs.size()) && std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < hogs.size(); ++i) {
      if (done[i]) continue;
      const std::string got = hogs[i]->read_for(0ms);
      if (got.find("\"overloaded\"") != std::string::npos) ++told_overloaded;
      if (hogs[i]->closed_within(0ms) || (i % 2 == 1 && !hogs[i]->send("a"))) {
        done[i] = true;
        ++closed;
      }
    }
    std::this_thread::sleep_for(500ms);
  }
  INFO(bridge.bot->output_tail());
  CHECK(closed == static_cast<int>(hogs.size()));
  CHECK(told_overloaded > 0);
  CHECK(bridge.bot->output().find("over the limit of 1000") != std::string::npos);
  CHECK(bridge.api->get_unsigned("/healthz").status == 200);
}

TEST_CASE("A client still sending a body after its 413 is closed", "[cli][hostile][body]") {
  Bridge bridge;
  bridge.start_bot();
  RawConnection client(bridge.bot->port());
  REQUIRE(
      client.send("POST /v1/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: "
                  "application/json\r\nContent-Length: 100000000\r\n\r\n{\"id\":\""));
  REQUIRE_THAT(client.read_for(5s, "body_too_large"), Catch::Contains("413"));

  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {  // up to 20 s of a byte every 100 ms
    closed = !client.send("x") || client.closed_within(100ms);
  }
  CHECK(closed);
}

TEST_CASE("A store with sealed tokens whose key file is lost refuses to start, saying what to do",
          "[cli][hostile][key]") {
  Bridge bridge;
  bridge.start_bot();  // installs the demo workspace: its bot token is sealed in the store
  REQUIRE(bridge.stop_bot().exited);
  const std::string key_file = bridge.settings.store_path + ".key";
  REQUIRE(std::filesystem::remove(key_file));

  BotProcess again(bridge.dir.path(), bot_config_yaml(bridge.settings));
  const auto failure = again.start(10s);

  REQUIRE(failure);
  CHECK_THAT(*failure, Catch::Contains("key file " + key_file + " is missing"));
  CHECK_THAT(*failure, Catch::Contains("Restore"));
  CHECK_FALSE(std::filesystem::exists(key_file));  // no new key that would hide the loss
}

TEST_CASE("A key file that others may read is refused", "[cli][hostile][key]") {
  Bridge bridge;
  bridge.start_bot();
  REQUIRE(bridge.stop_bot().exited);
  const std::string key_file = bridge.settings.store_path + ".key";
  struct stat st {};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // as the first start made it
  REQUIRE(::chmod(key_file.c_str(), 0644) == 0);

  BotProcess again(bridge.dir.path(), bot_config_yaml(bridge.settings));
  const auto failure = again.start(10s);

  REQUIRE(failure);
  CHECK_THAT(*failure, Catch::Contains("chmod 600 " + key_file));
}

TEST_CASE("After Disconnect answered, a delivery that was waiting for Slack posts nothing",
          "[cli][hostile][disconnect]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(alice());
  bridge.link(bob());
  // The first post is told to wait 3 s: the delivery waits inside its Slack call.
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::ratelimited(3s));
  REQUIRE(bridge.api
              ->post("/v1/messages",
                     message_body("late-1", alice(), {user_mention(bob())}, "claimed before"))
              .status == 202);
  REQUIRE(
      wait_until([&] { return !bridge.emulator.calls_of("chat.postMessage").empty(); }, 10s, 10ms));

  const auto gone = bridge.admin("DELETE", "/v1/installations/T0001");
  REQUIRE(gone.status == 204);
  const auto posts_at_disconnect = bridge.emulator.calls_of("chat.postMessage").size();
  std::this_thread::sleep_for(7s);

  INFO(bridge.bot->output_tail());
  CHECK(bridge.emulator.calls_of("chat.postMessage").size() == posts_at_disconnect);
}

TEST_CASE("After Disconnect answered, a notification waiting to post to a webhook posts nothing",
          "[cli][hostile][disconnect]") {
  Bridge bridge;  // route "alerts" goes to an incoming webhook
  bridge.start_bot();
  // The first post is told to wait 3 s: the delivery waits out the Retry-After, then posts again.
  bridge.emulator.inject_fault(emu::kWebhookMethod, emu::Fault::ratelimited(3s));
  REQUIRE(bridge.api
              ->post("/v1/notifications",
                     notification_body("alert-late", "alerts", "Disk full", "on db-1"))
              .status == 202);
  REQUIRE(wait_until([&] { return !bridge.emulator.calls_of(emu::kWebhookMethod).empty(); }, 10s,
                     10ms));

  const auto gone = bridge.admin("DELETE", "/v1/installations/T0001");
  REQUIRE(gone.status == 204);
  const auto posts_at_disconnect = bridge.emulator.calls_of(emu::kWebhookMethod).size();
  std::this_thread::sleep_for(7s);

  INFO(bridge.bot->output_tail());
  CHECK(bridge.emulator.calls_of(emu::kWebhookMethod).size() == posts_at_disconnect);
}

TEST_CASE("Guessing the admin token at the console's sign-in is shut out after five tries",
          "[cli][hostile][admin]") {
  Bridge bridge;
  bridge.start_bot();
  Anonymous guesser(bridge.bot->base_url());
  auto sign_in = [&](const std::string& token) {
    return guesser.send("POST", "/admin/login", "token=" + net::url_encode(token));
  };
  for (int i = 0; i < 5; ++i) CHECK(sign_in("guess-" + std::to_string(i)).status == 401);

  // Now even the right token is refused from this address, saying for how long.
  const auto refused = sign_in(kAdminToken);
  CHECK(refused.status == 429);
  CHECK(std::stoi(refused.headers.get("Retry-After")) > 14 * 60);
  CHECK_THAT(refused.body, Catch::Contains("Too many wrong admin tokens"));
  CHECK(refused.headers.get("Set-Cookie").empty());
}
