// The shared world of the integration_cli tests (see support/cli_fixture.h).
#include "support/cli_fixture.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <regex>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/json.h"
#include "support/wait_until.h"

namespace bridgebot::test {

std::string bot_config_yaml(const BotSettings& s) {
  auto flag = [](bool value) { return value ? "true" : "false"; };
  std::string yaml;
  yaml += "slack:\n";
  yaml += "  api_base_url: \"" + s.api_base_url + "\"\n";
  if (!s.oauth_client_id.empty()) {
    yaml += "  oauth_base_url: \"" + s.oauth_base_url + "\"\n";
    yaml += "  oauth:\n";
    yaml += "    client_id: \"" + s.oauth_client_id + "\"\n";
    yaml += "    client_secret: \"" + s.oauth_client_secret + "\"\n";
    yaml += "    redirect_url: \"{{BASE_URL}}/slack/oauth_redirect\"\n";
    if (!s.oauth_extra_scopes.empty()) {
      yaml += "    extra_scopes: [";
      for (std::size_t i = 0; i < s.oauth_extra_scopes.size(); ++i) {
        yaml += (i ? ", \"" : "\"") + s.oauth_extra_scopes[i] + "\"";
      }
      yaml += "]\n";
    }
  }
  if (!s.bot_token.empty()) {
    yaml += "  bot_token: \"" + s.bot_token + "\"\n";
    yaml += "  workspace_domain: \"" + s.workspace_domain + "\"\n";
  }
  if (s.app_token.empty()) {
    yaml += "  socket_mode:\n    enabled: false\n";
  } else {
    yaml += "  app_token: \"" + s.app_token + "\"\n";
    yaml += "  socket_mode:\n    enabled: true\n    connections: " +
            std::to_string(s.socket_connections) + "\n";
  }
  if (!s.events_mode.empty()) yaml += "  events:\n    mode: " + s.events_mode + "\n";
  if (!s.slack_signing_secret.empty()) {
    yaml += "  signing_secret: \"" + s.slack_signing_secret + "\"\n";
  }
  if (s.post_message_per_workspace_per_minute != 0) {
    yaml += "  rate_limits:\n    post_message_per_workspace_per_minute: " +
            std::to_string(s.post_message_per_workspace_per_minute) + "\n";
  }
  yaml += "  tls:\n";
  yaml += std::string("    allow_plaintext: ") + flag(s.allow_plaintext) + "\n";
  if (!s.ca_file.empty()) yaml += "    ca_file: \"" + s.ca_file + "\"\n";
  yaml += "platform:\n";
  yaml += "  listen: \"{{LISTEN}}\"\n";
  yaml += std::string("  signing_secret: \"") + kSigningSecret + "\"\n";
  yaml += std::string("  admin_token: \"") + kAdminToken + "\"\n";
  yaml += "  max_body_bytes: " + std::to_string(s.max_body_bytes) + "\n";
  if (!s.reply_webhook_url.empty()) {
    yaml += "  reply_webhook_url: \"" + s.reply_webhook_url + "\"\n";
  }
  yaml += std::string("  accept_v1_signatures: ") + flag(s.accept_v1_signatures) + "\n";
  yaml += "  return_to_origins: [";
  for (std::size_t i = 0; i < s.return_to_origins.size(); ++i) {
    yaml += (i ? ", \"" : "\"") + s.return_to_origins[i] + "\"";
  }
  yaml += "]\n";
  yaml += "relay:\n";
  yaml += std::string("  require_recipient_link: ") + flag(s.require_recipient_link) + "\n";
  yaml += std::string("  copy_to_sender: ") + flag(s.copy_to_sender) + "\n";
  if (!s.routes_yaml.empty()) yaml += "notifications:\n  routes:\n" + s.routes_yaml;
  yaml += s.sources_yaml;
  yaml +=
      "store:\n  url: \"" + (s.store_url.empty() ? "sqlite:" + s.store_path : s.store_url) + "\"\n";
  if (!s.encryption_key.empty()) {
    yaml += "security:\n  encryption_key: \"" + s.encryption_key + "\"\n";
  }
  yaml += "log:\n  level: " + s.log_level + "\n";
  return yaml;
}

std::string user_mention(const Person& p) {
  return "{\"type\":\"user\",\"id\":" + core::json_quote(p.id) +
         ",\"email\":" + core::json_quote(p.email) + ",\"name\":" + core::json_quote(p.name) + "}";
}

std::string group_mention(const std::string& type) {
  return "{\"type\":" + core::json_quote(type) + ",\"id\":\"g-1\",\"name\":\"Everyone\"}";
}

std::string message_body(const std::string& id, const Person& sender,
                         const std::vector<std::string>& mentions, const std::string& text,
                         const std::string& team_id) {
  std::string body = "{\"id\":" + core::json_quote(id);
  if (!team_id.empty()) body += ",\"team_id\":" + core::json_quote(team_id);
  body += ",\"sender\":{\"id\":" + core::json_quote(sender.id) +
          ",\"email\":" + core::json_quote(sender.email) +
          ",\"name\":" + core::json_quote(sender.name) +
          ",\"avatar_url\":\"https://platform.example/avatars/" + sender.id + ".png\"" +
          ",\"external\":" + (sender.external ? "true" : "false") + "}";
  body += ",\"mentions\":[";
  for (std::size_t i = 0; i < mentions.size(); ++i) body += (i ? "," : "") + mentions[i];
  body += "],\"text\":" + core::json_quote(text) +
          ",\"url\":\"https://platform.example/spaces/42/messages/" + id + "\"" +
          ",\"space\":{\"id\":\"42\",\"name\":\"Design floor\"}}";
  return body;
}

std::string notification_body(const std::string& id, const std::string& route,
                              const std::string& title, const std::string& text,
                              const std::string& severity, const std::string& thread_key) {
  std::string body =
      "{\"id\":" + core::json_quote(id) + ",\"team_id\":\"T0001\"" +
      ",\"route\":" + core::json_quote(route) + ",\"title\":" + core::json_quote(title) +
      ",\"text\":" + core::json_quote(text) + ",\"severity\":" + core::json_quote(severity) +
      ",\"url\":\"https://helpdesk.example/tickets/42\"" +
      ",\"fields\":[{\"title\":\"Priority\",\"value\":\"Urgent\"}]";
  if (!thread_key.empty()) body += ",\"thread_key\":" + core::json_quote(thread_key);
  return body + "}";
}

Person alice() {
  return {"p-alice", "alice@example.com", "Alice Ng"};
}
Person bob() {
  return {"p-bob", "bob@example.com", "Bob B"};
}
Person carol() {
  return {"p-carol", "carol@example.com", "Carol C"};
}

net::HttpResponse browse(const std::string& url) {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  auto http = net::make_http_client(options);
  net::ClientRequest request;
  request.method = "GET";
  request.url = url;
  for (int hops = 0; hops < 10; ++hops) {
    auto response = http->send(request);
    if (!response.ok()) FAIL("GET " << request.url << ": " << response.error().to_string());
    const std::string location = response->headers.get("Location");
    if (response->status != 302 || location.rfind("http://127.0.0.1:", 0) != 0) {
      return *response;
    }
    request.url = location;
  }
  FAIL("more than 10 redirects from " << url);
  return {};
}

std::map<std::string, int> posts_per_match(const emulator::Emulator& emulator,
                                           const std::string& pattern) {
  const std::regex expression(pattern);
  std::map<std::string, int> seen;
  for (const auto& message : emulator.messages()) {
    std::smatch found;
    if (std::regex_search(message.text, found, expression)) ++seen[found.str()];
  }
  return seen;
}

int recovered_in_flight(const std::string& bot_output) {
  static const std::regex recovered("recovered ([0-9]+) item");
  int total = 0;
  for (auto it = std::sregex_iterator(bot_output.begin(), bot_output.end(), recovered);
       it != std::sregex_iterator(); ++it) {
    total += std::stoi((*it)[1].str());
  }
  return total;
}

std::string auth_test_error(emulator::Emulator& emulator, const std::string& token) {
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/api/auth.test";
  request.headers.set("Authorization", "Bearer " + token);
  return json_string(emulator.handle(request).body, "error");
}

std::vector<Person> add_bot_workspace(emulator::Emulator& emulator, const std::string& team_id,
                                      const std::string& domain, const std::string& bot_token,
                                      int users) {
  emulator.with_state([&](emulator::State& state) {
    state.add(emulator::Workspace{team_id, domain, domain});
    emulator::User bot;
    bot.id = "UBOT" + team_id;
    bot.team_id = team_id;
    bot.name = "bridgebot";
    bot.is_bot = true;
    bot.bot_id = "B" + team_id;
    state.add(bot);
    state.add(emulator::Token{bot_token,
                              team_id,
                              emulator::TokenKind::bot,
                              {"users:read", "users:read.email", "chat:write"},
                              bot.id,
                              "A0001"});
    return 0;
  });
  return add_slack_users(emulator, team_id, 0, users);
}

std::vector<Person> add_slack_users(emulator::Emulator& emulator, const std::string& team_id,
                                    int first, int count) {
  std::vector<Person> people;
  emulator.with_state([&](emulator::State& state) {
    for (int n = first; n < first + count; ++n) {
      emulator::User user;
      user.id = "U" + team_id + "X" + std::to_string(n);
      user.team_id = team_id;
      user.name = "user" + std::to_string(n);
      user.real_name = "User " + std::to_string(n);
      user.display_name = user.name;
      // Lower case: the emulator's users.lookupByEmail is case-sensitive by default.
      std::string domain = team_id;
      for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      user.email = user.name + "@" + domain + ".example.com";
      state.add(user);
      people.push_back({"p-" + user.name, user.email, user.real_name});
    }
    return 0;
  });
  return people;
}

namespace {

emulator::EmulatorServerOptions server_options(const TestCertificates& certificates) {
  emulator::EmulatorServerOptions options;
  options.tls_certificate_pem = certificates.server_cert_pem;
  options.tls_private_key_pem = certificates.server_key_pem;
  return options;
}

}  // namespace

Bridge::Bridge(BridgeOptions options)
    : emulator(core::system_clock()),
      demo(emulator::seed_demo_workspace(emulator)),
      certificates(options.https ? make_test_certificates() : TestCertificates{}),
      server(emulator, server_options(certificates)) {
  auto started = server.start();
  if (!started.ok()) FAIL("cannot start the Slack emulator: " << started.error().to_string());
  settings.api_base_url = server.api_base_url();
  settings.bot_token = demo.bot_token;
  settings.store_path = (dir / "bridgebot.db").string();
  if (options.https) {
    settings.ca_file = write_ca_file(certificates);
    settings.allow_plaintext = false;
  }
  // helpdesk → #helpdesk (the bot is a member); alerts → the demo incoming webhook.
  settings.routes_yaml =
      "    - match: {route: helpdesk}\n      to: [{channel: " + demo.helpdesk_channel + "}]\n" +
      "    - match: {route: alerts}\n      to: [{webhook: \"" +
      server.webhook_url(demo.webhook_id) + "\"}]\n";
}

Bridge::~Bridge() {
  bot.reset();  // kill -9 a bot a failed test left running, before the emulator goes away
  server.stop();
}

void Bridge::start_bot(const std::vector<BotProcess*>& together) {
  if (bot && bot->running()) FAIL("start_bot: the bot is already running");
  bot = std::make_unique<BotProcess>(dir.path(), bot_config_yaml(settings));
  std::vector<BotProcess*> all = {bot.get()};
  all.insert(all.end(), together.begin(), together.end());
  for (auto* process : all) {
    if (auto failure = process->launch()) FAIL(*failure);
  }
  for (auto* process : all) {
    if (auto failure = process->wait_healthy()) FAIL(*failure);
  }
  if (api) {
    api->set_base_url(bot->base_url());
  } else {
    api = std::make_unique<PlatformClient>(bot->base_url(), kSigningSecret);
  }
}

void Bridge::enable_oauth() {
  emulator.with_state([&](emulator::State& state) {
    const emulator::App& app = state.apps.at(demo.app_id);
    settings.oauth_client_id = app.client_id;
    settings.oauth_client_secret = app.client_secret;
  });
  settings.oauth_base_url = server.base_url() + "oauth/v2/authorize";
}

void Bridge::enable_socket_mode() {
  settings.app_token = demo.app_token;
}

void Bridge::wait_socket_mode_ready() {
  std::string last;
  const bool ready = wait_until(
      [&] {
        const auto response = api->get_unsigned("/readyz");
        last = response.body;
        return response.status == 200;
      },
      std::chrono::seconds(15), std::chrono::milliseconds(20));
  INFO(last << "\n" << bot->output_tail());
  REQUIRE(ready);
}

std::string Bridge::send_event_acked(const std::string& event_json) {
  auto& socket_mode = server.socket_mode();
  const std::string event_id = socket_mode.send_event("T0001", event_json);
  const bool acked = wait_until(
      [&] {
        for (const auto& record : socket_mode.events()) {
          if (record.event_id == event_id) return record.acked;
        }
        return false;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(5));
  INFO(event_json << "\n" << bot->output_tail());
  REQUIRE(acked);
  return event_id;
}

void Bridge::install_with_oauth() {
  const auto page = browse(bot->base_url() + "/slack/install");
  INFO(page.body << "\n" << bot->output_tail());
  REQUIRE(page.status == 200);
  REQUIRE_THAT(page.body, Catch::Contains("installed in"));
}

ExitStatus Bridge::stop_bot() {
  return bot ? bot->terminate() : ExitStatus{};
}

ExitStatus Bridge::kill_bot() {
  return bot ? bot->kill9() : ExitStatus{};
}

net::HttpResponse Bridge::admin(const std::string& method, const std::string& path,
                                const std::string& body) {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  auto http = net::make_http_client(options);
  net::ClientRequest request;
  request.method = method;
  request.url = bot->base_url() + path;
  request.body = body;
  request.headers.set("Authorization", std::string("Bearer ") + kAdminToken);
  if (!body.empty()) request.headers.set("Content-Type", "application/json");
  auto response = http->send(request);
  if (!response.ok()) FAIL(method << " " << path << ": " << response.error().to_string());
  return *response;
}

void Bridge::link(const Person& person) {
  const auto response =
      api->put("/v1/users/" + person.id + "/link",
               "{\"email\":" + core::json_quote(person.email) + ",\"team_id\":\"T0001\"}");
  INFO(response.body);
  REQUIRE(response.status == 200);
}

std::string Bridge::wait_final(const std::string& id, bool notification,
                               std::chrono::milliseconds within) {
  const std::string path = (notification ? "/v1/notifications/" : "/v1/messages/") + id;
  std::string last;
  const bool done = wait_until(
      [&] {
        const auto response = api->get(path);
        last = response.body;
        return response.status == 200 && json_string(last, "status") != "queued";
      },
      within, std::chrono::milliseconds(50));
  return done ? last : std::string();
}

std::vector<emulator::Message> Bridge::bot_dm_messages(const std::string& slack_user) {
  const std::string bot_user = demo.bot_user_id;
  std::vector<emulator::Message> out;
  emulator.with_state([&](emulator::State& state) {
    for (const auto& message : state.messages) {
      const auto* dm = state.find_dm(message.team_id, message.channel);
      if (dm != nullptr && dm->has_member(slack_user) && dm->has_member(bot_user)) {
        out.push_back(message);
      }
    }
    return 0;
  });
  return out;
}

}  // namespace bridgebot::test
