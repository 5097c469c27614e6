#include "harness/world.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "bridgebot/core/clock.h"

namespace bench {

namespace emu = bridgebot::emulator;

namespace {

std::string numbered(const char* format, int n) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, n);
  return buffer;
}

}  // namespace

World::World(WorldOptions options)
    : emulator_(std::make_unique<emu::Emulator>(bridgebot::core::system_clock())),
      server_(std::make_unique<emu::EmulatorServer>(*emulator_)) {
  for (int t = 0; t < options.teams; ++t) {
    BenchTeam team;
    team.id = numbered("TB%05d", t);
    team.domain = numbered("bench%d", t);
    team.bot_token = "xoxb-bench-" + team.id;
    for (int u = 0; u < options.users_per_team; ++u) {
      team.emails.push_back(numbered("user%d@", u) + team.domain + ".example");
    }
    teams_.push_back(std::move(team));
  }

  emulator_->with_state([&](emu::State& state) {
    for (const BenchTeam& team : teams_) {
      state.add(emu::Workspace{team.id, team.domain, team.domain});
      state.add(emu::App{"AB" + team.id, "bridgebot", "cid-" + team.id, "secret", true});
      const std::string bot_user = "UBOT" + team.id;
      emu::User bot;
      bot.id = bot_user;
      bot.team_id = team.id;
      bot.name = "bridgebot";
      bot.is_bot = true;
      bot.bot_id = "B" + team.id;
      state.add(bot);
      for (std::size_t u = 0; u < team.emails.size(); ++u) {
        emu::User person;
        person.id = "U" + team.id + numbered("x%05d", static_cast<int>(u));
        person.team_id = team.id;
        person.name = numbered("user%d", static_cast<int>(u));
        person.real_name = person.name;
        person.display_name = person.name;
        person.email = team.emails[u];
        state.add(person);
      }
      std::vector<std::string> scopes{"users:read", "users:read.email", "chat:write"};
      if (options.grant_im_write) scopes.push_back("im:write");
      state.add(emu::Token{team.bot_token, team.id, emu::TokenKind::bot, scopes, bot_user,
                           "AB" + team.id});
    }
    const BenchTeam& first = teams_.front();
    state.add(emu::Token{
        app_token(), first.id, emu::TokenKind::app, {"connections:write"}, "", "AB" + first.id});
  });

  if (auto started = server_->start(); !started.ok()) {
    throw std::runtime_error("emulator server: " + started.error().to_string());
  }
}

World::~World() {
  server_->stop();
}

std::size_t World::message_count() {
  return emulator_->with_state([](emu::State& state) { return state.messages.size(); });
}

void World::wait_for_startup_sweep() {
  while (emulator_->calls_of("users.list").size() < teams_.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace bench
