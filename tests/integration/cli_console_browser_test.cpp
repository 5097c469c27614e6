// The admin console in a real browser (tests/browser/console.test.js: Debian's Chromium driven by
// playwright-core) against the real binary and the Slack emulator. This side starts them and
// checks what Slack saw afterwards.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "support/cli_fixture.h"

using namespace bridgebot;
using namespace bridgebot::test;

namespace {

// Runs `command` through the shell; returns its exit status and everything it printed.
std::pair<int, std::string> run_command(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST_CASE("the admin console works in Chromium: sign in, install, test, edit, look up, disconnect",
          "[cli][console][browser]") {
  Bridge bridge;
  // A workspace name with markup: the console must show it as text.
  bridge.emulator.with_state(
      [](emulator::State& state) { state.workspaces.at("T0001").name = "<b>Acme</b> & Co"; });
  bridge.settings.bot_token.clear();  // the admin installs it in the console
  bridge.enable_oauth();              // so the console offers Add to Slack
  bridge.start_bot();

  const std::string command = "BRIDGE_URL='" + bridge.bot->base_url() + "' ADMIN_TOKEN='" +
                              kAdminToken + "' BOT_TOKEN='" + bridge.demo.bot_token + "' bash '" +
                              BRIDGEBOT_SOURCE_DIR + "/tests/browser/run.sh' '" +
                              BRIDGEBOT_BROWSER_WORK_DIR + "'";
  const auto [status, output] = run_command(command);
  INFO(output << "\n--- bot ---\n" << bridge.bot->output_tail());
  REQUIRE(status == 0);
  CHECK(output.find("PASS") != std::string::npos);
  // Disconnect in the console revoked the bot token at Slack.
  CHECK(auth_test_error(bridge.emulator, bridge.demo.bot_token) == "token_revoked");
}
