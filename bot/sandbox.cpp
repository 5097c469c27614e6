// `bridgebot sandbox`: the Slack emulator and the bridge in one process, with a demo workspace,
// so a newcomer can watch messages flow without a Slack workspace or any token.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <regex>
#include <vector>

#include "app.h"
#include "bridgebot/api/signature.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/log.h"
#include "bridgebot/net/http.h"
#include "commands.h"
#include "signals.h"
#include "slack_emulator/emulator.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"

namespace bridgebot::cli {
namespace {

constexpr const char* kSandboxSecret = "sandbox-signing-secret";
constexpr const char* kSandboxAdmin = "sandbox-admin-token";

core::Config sandbox_config(const emulator::EmulatorServer& server,
                            const emulator::DemoWorkspace& demo, const SandboxOptions& options) {
  core::Config c;
  c.slack.api_base_url = server.api_base_url();
  c.slack.tls_allow_plaintext = true;  // the emulator listens on loopback without TLS
  c.slack.bot_token = demo.bot_token;
  c.slack.workspace_domain = "acme";
  c.slack.app_token = demo.app_token;  // Socket Mode against the emulator's endpoint
  c.platform.listen = options.listen;
  c.platform.signing_secret = kSandboxSecret;
  c.platform.admin_token = kSandboxAdmin;
  c.relay.require_recipient_link = false;  // the demo users are matched by email alone
  c.routes = {{{"helpdesk"}, {}, {{demo.helpdesk_channel, "", false}}},
              {{}, {"critical"}, {{"", server.webhook_url(demo.webhook_id), false}}}};
  c.store_url = "sqlite:" + options.store_path;
  c.encryption_key = core::base64_encode(core::random_bytes(32));
  return c;
}

// Links alice through the bridge's own API, as the platform would, so her messages show as from
// her (with a copy to her) while other senders get the bot's fallback DM.
void link_alice(std::uint16_t port) {
  const std::string body = R"({"email":"alice@example.com","team_id":"T0001"})";
  const auto now = core::system_clock().unix_seconds();
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  auto http = net::make_http_client(options);
  net::ClientRequest request;
  request.method = "PUT";
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/users/alice@example.com/link";
  request.headers.set("X-Bridge-Timestamp", std::to_string(now));
  request.headers.set("X-Bridge-Signature", api::sign_v2(kSandboxSecret, now, "PUT",
                                                         "/v1/users/alice@example.com/link", body));
  request.body = body;
  auto response = http->send(request);
  if (!response.ok() || response->status != 200) {
    spdlog::warn("sandbox: could not link alice: {}",
                 response.ok() ? response->body : response.error().to_string());
  }
}

void print_walkthrough(std::uint16_t port) {
  const std::string api = "http://127.0.0.1:" + std::to_string(port);
  std::cout
      << "\nSandbox ready: a Slack emulator with workspace 'acme' (alice, bob and carol "
         "@example.com) and the bridge on "
      << api << ".\n\nIn another terminal, relay a mention from Alice to Bob:\n\n"
      << "  build/release/bot/bridgebot send --api " << api << " --secret " << kSandboxSecret
      << " \\\n      --from alice@example.com --from-name 'Alice Ng' --to bob@example.com "
         "--text 'can you look at the release notes?'\n\n"
      << "Alice is linked (PUT /v1/users/alice@example.com/link), so her mention shows as from "
         "her and she gets a copy; any other --from gets the bot's fallback DM.\n"
      << "Every message the bridge posts to the emulated Slack is printed below. Try "
         "--text '<!channel> hi' to see it defused, or --external for a guest.\n"
      << "Admin console: " << api << "/admin (admin token: " << kSandboxAdmin
      << "). Ctrl-C stops the sandbox.\n\n";
}

// "@bob" for a user id of the team, the id itself for one the emulator does not know.
std::string user_label(const emulator::State& state, const std::string& team,
                       const std::string& id) {
  const auto user = state.find_user(team, id);
  return user ? "@" + user->name : id;
}

// Where a message landed, as a person reads it: "DM with @bob", "#helpdesk", "webhook to #general".
std::string place_label(emulator::State& state, const emulator::Message& m) {
  if (!m.webhook_id.empty()) {
    const auto hook = state.webhooks.find(m.webhook_id);
    const auto* channel = hook == state.webhooks.end()
                              ? nullptr
                              : state.find_channel(m.team_id, hook->second.channel_id);
    return "webhook to " + (channel ? "#" + channel->name : m.channel);
  }
  if (const auto* dm = state.find_dm(m.team_id, m.channel)) {
    const std::string& other = dm->user_a == m.author_user_id ? dm->user_b : dm->user_a;
    return "DM with " + user_label(state, m.team_id, other);
  }
  const auto* channel = state.find_channel(m.team_id, m.channel);
  return channel ? "#" + channel->name : m.channel;
}

// The text with every user mention <@U…> shown as <@name>, so the walk-through reads as Slack
// would render it.
std::string with_user_names(const emulator::State& state, const emulator::Message& m) {
  static const std::regex mention("<@([UW][A-Z0-9]+)>");
  std::string out;
  auto last = m.text.cbegin();
  for (std::sregex_iterator it(m.text.begin(), m.text.end(), mention), end; it != end; ++it) {
    out.append(last, (*it)[0].first);
    const auto user = state.find_user(m.team_id, (*it)[1].str());
    out += user ? "<@" + user->name + ">" : it->str();
    last = (*it)[0].second;
  }
  out.append(last, m.text.cend());
  return out;
}

void print_new_messages(emulator::Emulator& emu, std::size_t& printed) {
  const auto lines = emu.with_state([&printed](emulator::State& state) {
    std::vector<std::string> out;
    for (; printed < state.messages.size(); ++printed) {
      const auto& m = state.messages[printed];
      out.push_back(
          "[slack] " + place_label(state, m) +
          (m.thread_ts.empty() ? "" : " (thread " + m.thread_ts + ")") +
          (m.webhook_id.empty() ? " from " + user_label(state, m.team_id, m.author_user_id) : "") +
          (m.username.empty() ? "" : " as '" + m.username + "'") + ": " +
          with_user_names(state, m));
    }
    return out;
  });
  for (const auto& line : lines) std::cout << line << "\n";
  std::cout << std::flush;
}

}  // namespace

int sandbox(const SandboxOptions& options) {
  core::init_logging({"info", "text", {}});
  emulator::Emulator emu(core::system_clock(), {});
  const auto demo = emulator::seed_demo_workspace(emu);
  emulator::EmulatorServer server(emu);
  if (auto started = server.start(); !started.ok()) {
    spdlog::error("cannot start the Slack emulator: {}", started.error().to_string());
    return 1;
  }
  std::filesystem::remove(options.store_path);  // a fresh demo every time
  App app(sandbox_config(server, demo, options));
  if (auto started = app.start(); !started.ok()) {
    spdlog::error("cannot start the bridge: {}", started.error().to_string());
    return 1;
  }
  link_alice(app.api_port());
  print_walkthrough(app.api_port());
  std::size_t printed = 0;
  while (!wait_for_termination(std::chrono::milliseconds(200))) print_new_messages(emu, printed);
  app.stop();
  server.stop();
  return 0;
}

}  // namespace bridgebot::cli
