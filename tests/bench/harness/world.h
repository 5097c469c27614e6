// The Slack side of a benchmark: an in-process Slack emulator served on loopback, seeded with
// `teams` workspaces of `users_per_team` people each. Rate limits of the emulator stay off, so
// what the figures show is bridgebot's own cost and its own pacing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "slack_emulator/emulator.h"
#include "slack_emulator/server.h"

namespace bench {

struct WorldOptions {
  int teams = 1;
  int users_per_team = 16;
  // With im:write the bot opens each DM with conversations.open (Tier 3 in Slack: 50/min per
  // workspace, which bridgebot paces to) before posting; without it the bot posts to the user id.
  bool grant_im_write = false;
};

struct BenchTeam {
  std::string id;      // T…
  std::string domain;  // what install_bot_token checks the token against
  std::string bot_token;
  std::vector<std::string> emails;  // of users_per_team people, index = user number
};

class World {
 public:
  explicit World(WorldOptions options);
  ~World();

  const std::vector<BenchTeam>& teams() const { return teams_; }
  std::string api_base_url() const { return server_->api_base_url(); }
  // An app-level token (connections:write) of the first team's app, for Socket Mode.
  std::string app_token() const { return "xapp-bench-" + teams_.front().id; }
  bridgebot::emulator::SocketModeServer& socket_mode() { return server_->socket_mode(); }
  bridgebot::emulator::Emulator& emulator() { return *emulator_; }
  // How many messages the emulator stored so far (cheap: no copy of the messages).
  std::size_t message_count();
  // Waits until a bot's start-up directory sweep has listed every workspace (one users.list
  // each): start-up work, kept out of what a bench measures.
  void wait_for_startup_sweep();

 private:
  std::unique_ptr<bridgebot::emulator::Emulator> emulator_;
  std::unique_ptr<bridgebot::emulator::EmulatorServer> server_;
  std::vector<BenchTeam> teams_;
};

}  // namespace bench
