// `bridgebot test-connection` and `bridgebot manifest` as an admin runs them: the real binary,
// a configuration file, and the Slack emulator on loopback.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bridgebot/core/crypto.h"
#include "bridgebot/net/http_server.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"
#include "support/bot_process.h"
#include "support/wait_until.h"

using namespace bridgebot;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run run_bridgebot(const std::string& arguments) {
  Run run;
  std::string command = std::string(BRIDGEBOT_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

struct CliFixture {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("bb-installs-cli-" + core::random_token(6));
  core::FakeClock clock;
  emulator::Emulator slack{clock};
  emulator::DemoWorkspace demo = emulator::seed_demo_workspace(slack);
  emulator::EmulatorServer server{slack};

  CliFixture() {
    std::filesystem::create_directories(dir);
    REQUIRE(server.start().ok());
  }
  ~CliFixture() {
    server.stop();
    std::filesystem::remove_all(dir);
  }

  // The YAML of a configuration whose slack.bot_token is `token` and whose API is at
  // `api_base_url`; `encryption_key` and `listen` are left out when empty; Socket Mode is on
  // with `app_token`, off without.
  std::string config_yaml(const std::string& token, const std::string& api_base_url,
                          const std::string& encryption_key = "", const std::string& listen = "",
                          const std::string& app_token = "") {
    std::ostringstream out;
    out << "slack:\n  bot_token: " << token << "\n  workspace_domain: acme\n"
        << "  api_base_url: " << api_base_url << "\n";
    if (app_token.empty()) {
      out << "  socket_mode:\n    enabled: false\n";
    } else {
      out << "  app_token: " << app_token << "\n  socket_mode:\n    enabled: true\n";
    }
    out << "  tls:\n    allow_plaintext: true\n"
        << "platform:\n  signing_secret: s3cret-signing\n  admin_token: s3cret-admin\n";
    if (!listen.empty()) out << "  listen: \"" << listen << "\"\n";
    out << "store:\n  url: sqlite:" << (dir / "bridge.db").string() << "\n";
    if (!encryption_key.empty()) out << "security:\n  encryption_key: " << encryption_key << "\n";
    return out.str();
  }

  // Writes config_yaml(...) to a file; returns its path.
  std::string config(const std::string& token, const std::string& api_base_url,
                     const std::string& encryption_key = "", const std::string& app_token = "") {
    auto path = dir / "bridgebot.yaml";
    std::ofstream(path) << config_yaml(token, api_base_url, encryption_key, "", app_token);
    return path.string();
  }

  // Runs `bridgebot run` once with the demo bot token, which it installs into the store (sealed
  // under `encryption_key`, or the key file when empty), then stops it.
  void install_by_running_bot(const std::string& encryption_key = "") {
    std::filesystem::create_directories(dir / "run");
    test::BotProcess bot(dir / "run", config_yaml(demo.bot_token, server.api_base_url(),
                                                  encryption_key, "{{LISTEN}}"));
    auto failure = bot.start();
    REQUIRE_FALSE(failure);
    REQUIRE(bot.terminate().code == 0);
  }

  void add_token(const std::string& value, std::vector<std::string> scopes,
                 emulator::TokenState state = emulator::TokenState::valid) {
    slack.with_state([&](emulator::State& s) {
      emulator::Token token{
          value,      demo.team_id, emulator::TokenKind::bot, std::move(scopes), demo.bot_user_id,
          demo.app_id};
      token.state = state;
      s.add(token);
    });
  }
};

}  // namespace

TEST_CASE("test-connection shows workspace, bot user, scopes and post pace of a good token",
          "[installs][cli]") {
  CliFixture f;
  auto run = run_bridgebot("test-connection --config " +
                           f.config(f.demo.bot_token, f.server.api_base_url()));
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Catch::Contains("workspace: acme"));
  CHECK_THAT(run.output, Catch::Contains("bot user: bridgebot (U0BOT)"));
  CHECK_THAT(run.output, Catch::Contains("users:read.email"));
  CHECK_THAT(run.output, Catch::Contains("chat.postMessage pace: 300 per minute per workspace"));
  CHECK_THAT(run.output, Catch::Contains("OK"));
  CHECK_THAT(run.output, !Catch::Contains(f.demo.bot_token));
}

TEST_CASE("test-connection names a missing users:read.email scope and how to add it",
          "[installs][cli]") {
  CliFixture f;
  f.add_token("xoxb-no-email", {"users:read", "chat:write"});
  auto run = run_bridgebot("test-connection --config " +
                           f.config("xoxb-no-email", f.server.api_base_url()));
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Catch::Contains("missing required scope users:read.email"));
  CHECK_THAT(run.output, Catch::Contains("Bot Token Scopes"));
  CHECK_THAT(run.output, Catch::Contains("reinstall"));
}

TEST_CASE("test-connection on an expired token says to re-generate it", "[installs][cli]") {
  CliFixture f;
  f.add_token("xoxb-expired", {"users:read", "users:read.email", "chat:write"},
              emulator::TokenState::expired);
  auto run = run_bridgebot("test-connection --config " +
                           f.config("xoxb-expired", f.server.api_base_url()));
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Catch::Contains("FAILED: token_expired"));
  CHECK_THAT(run.output, Catch::Contains("Re-generate token"));
}

TEST_CASE("test-connection checks the app-level token that Socket Mode needs", "[installs][cli]") {
  CliFixture f;
  auto good =
      run_bridgebot("test-connection --config " +
                    f.config(f.demo.bot_token, f.server.api_base_url(), "", f.demo.app_token));
  INFO(good.output);
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.output, Catch::Contains("socket mode: app token accepted"));
  CHECK_THAT(good.output, !Catch::Contains(f.demo.app_token));

  auto refused = run_bridgebot("test-connection --config " + f.config(f.demo.bot_token,
                                                                      f.server.api_base_url(), "",
                                                                      "xapp-1-A0000-never-issued"));
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Catch::Contains("FAILED: app_token_rejected"));
  CHECK_THAT(refused.output, Catch::Contains("connections:write"));
}

TEST_CASE("test-connection against an unreachable host says Slack could not be reached",
          "[installs][cli]") {
  CliFixture f;
  // A port that was free a moment ago: nothing listens there.
  std::uint16_t port = 0;
  {
    net::HttpServer probe(
        {}, [](net::HttpRequest, net::Responder respond) { respond(net::HttpResponse{}); });
    REQUIRE(probe.start().ok());
    port = probe.port();
    probe.stop();
  }
  auto run = run_bridgebot(
      "test-connection --config " +
      f.config(f.demo.bot_token, "http://127.0.0.1:" + std::to_string(port) + "/api/"));
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Catch::Contains("could not be reached"));
}

TEST_CASE("deploy/slack-app-manifest.yaml is what `bridgebot manifest` prints", "[installs][cli]") {
  auto run = run_bridgebot("manifest");
  REQUIRE(run.exit_code == 0);
  std::ifstream file(std::string(BRIDGEBOT_SOURCE_DIR) + "/deploy/slack-app-manifest.yaml");
  REQUIRE(file.good());
  std::stringstream saved;
  saved << file.rdbuf();
  // On a difference, regenerate it: bridgebot manifest > deploy/slack-app-manifest.yaml
  CHECK(saved.str() == run.output);
}

TEST_CASE("rotate-key re-seals the stored token so the old key can be dropped",
          "[installs][cli][keys]") {
  CliFixture f;
  const std::string old_key = core::base64_encode(core::random_bytes(32));
  const std::string new_key = core::base64_encode(core::random_bytes(32));
  f.install_by_running_bot(old_key);  // the bot token is stored sealed under the old key
  const std::string config = f.config(f.demo.bot_token, f.server.api_base_url(), new_key);

  auto before = run_bridgebot("installations test --config " + config);
  INFO(before.output);
  CHECK(before.exit_code != 0);
  CHECK_THAT(before.output, Catch::Contains("decrypt_failed"));

  auto rotated = run_bridgebot("rotate-key --config " + config + " --old-key " + old_key);
  INFO(rotated.output);
  CHECK(rotated.exit_code == 0);
  CHECK_THAT(rotated.output, Catch::Contains("re-sealed 1 secret(s) in 1 installation(s)"));

  auto after = run_bridgebot("installations test --config " + config);
  INFO(after.output);
  CHECK(after.exit_code == 0);
  CHECK_THAT(after.output, Catch::Contains("OK"));
  CHECK_THAT(after.output, !Catch::Contains(old_key));
}

TEST_CASE("rotate-key refuses while a bridgebot process runs on the store",
          "[installs][cli][keys]") {
  CliFixture f;
  const std::string old_key = core::base64_encode(core::random_bytes(32));
  const std::string new_key = core::base64_encode(core::random_bytes(32));
  std::filesystem::create_directories(f.dir / "run");
  test::BotProcess bot(f.dir / "run", f.config_yaml(f.demo.bot_token, f.server.api_base_url(),
                                                    old_key, "{{LISTEN}}"));
  REQUIRE_FALSE(bot.start());
  const std::string config = f.config(f.demo.bot_token, f.server.api_base_url(), new_key);
  const std::string rotate = "rotate-key --config " + config + " --old-key " + old_key;

  // The running bot holds the store's delivery lease within a second of starting.
  Run refused;
  REQUIRE(test::wait_until(
      [&] {
        refused = run_bridgebot(rotate);
        return refused.exit_code == 1;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(200)));
  CHECK_THAT(refused.output, Catch::Contains("a bridgebot process is running on this store"));

  REQUIRE(bot.terminate().code == 0);  // a clean stop hands the lease back at once
  auto rotated = run_bridgebot(rotate);
  INFO(rotated.output);
  CHECK(rotated.exit_code == 0);
  CHECK_THAT(rotated.output, Catch::Contains("re-sealed 1 secret(s)"));
}

TEST_CASE("installations list, rotate and disconnect for operators without the HTTP API",
          "[installs][cli]") {
  CliFixture f;
  f.install_by_running_bot();
  const std::string config = f.config(f.demo.bot_token, f.server.api_base_url());

  auto listed = run_bridgebot("installations list --config " + config);
  INFO(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.output, Catch::Contains("T0001  acme  bot U0BOT  token does not expire"));
  CHECK_THAT(listed.output, Catch::Contains("links 0 (0 connected)  queued 0"));
  CHECK_THAT(listed.output, !Catch::Contains(f.demo.bot_token));

  auto rotated = run_bridgebot("installations rotate --team T0001 --config " + config);
  INFO(rotated.output);
  CHECK(rotated.exit_code == 1);
  CHECK_THAT(rotated.output, Catch::Contains("not_rotating"));

  auto gone = run_bridgebot("installations disconnect --team T0001 --config " + config);
  INFO(gone.output);
  CHECK(gone.exit_code == 0);
  CHECK_THAT(gone.output, Catch::Contains("T0001: disconnected"));
  f.slack.with_state([&](emulator::State& s) {
    CHECK(s.find_token(f.demo.bot_token)->state == emulator::TokenState::revoked);
  });
  CHECK_THAT(run_bridgebot("installations list --config " + config).output,
             Catch::Contains("no workspace is installed"));
}
