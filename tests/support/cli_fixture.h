// The world of an integration_cli test: the Slack emulator (in the test process, on loopback),
// the real bridgebot binary (child process) with a config file and a SQLite store in a temporary
// directory, and a platform client signing requests to it. Implemented in
// tests/integration/cli_fixture.cpp (only integration_cli needs it).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "slack_emulator/emulator.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"
#include "support/bot_process.h"
#include "support/platform_client.h"
#include "support/test_tls.h"

namespace bridgebot::test {

inline constexpr const char* kSigningSecret = "integration-signing-secret";
inline constexpr const char* kAdminToken = "integration-admin-token";

// The knobs of the bot's YAML configuration that tests turn.
struct BotSettings {
  std::string api_base_url;
  std::string bot_token;  // installs this workspace at start; "" installs nothing
  std::string workspace_domain = "acme";
  // slack.oauth (Add to Slack, personal Connect), written when oauth_client_id is set; the
  // redirect URL is the bot's own /slack/oauth_redirect. oauth_base_url: Slack's authorize page.
  std::string oauth_client_id;
  std::string oauth_client_secret;
  std::string oauth_base_url;
  std::vector<std::string> oauth_extra_scopes;  // slack.oauth.extra_scopes
  bool require_recipient_link = true;
  bool copy_to_sender = true;
  std::size_t max_body_bytes = 262144;
  bool accept_v1_signatures = true;  // platform.accept_v1_signatures
  std::vector<std::string> return_to_origins = {"https://platform.example"};
  std::string routes_yaml;        // items of notifications.routes, already indented by 4
  std::string sources_yaml;       // the whole sources: section, verbatim; "" leaves it out
  std::string reply_webhook_url;  // platform.reply_webhook_url; "" leaves replies off
  std::string store_path;
  std::string store_url;       // store.url when set (a PostgreSQL database), else sqlite:store_path
  std::string encryption_key;  // security.encryption_key; "" leaves the key file beside SQLite
  std::string ca_file;         // slack.tls.ca_file
  bool allow_plaintext = true;  // slack.tls.allow_plaintext (an http:// emulator)
  // slack.app_token: Socket Mode on with `socket_connections` connections when set, off when "".
  std::string app_token;
  int socket_connections = 1;
  std::string events_mode;           // slack.events.mode when set ("http")
  std::string slack_signing_secret;  // slack.signing_secret when set
  std::string log_level = "info";    // log.level
  // slack.rate_limits.post_message_per_workspace_per_minute; 0 leaves it out (the default).
  int post_message_per_workspace_per_minute = 0;
};

std::string bot_config_yaml(const BotSettings& settings);

// A platform user as the JSON of a message names them.
struct Person {
  std::string id;
  std::string email;
  std::string name;
  bool external = false;
};

// {"type":"user",...} for one person; {"type":T} for all/here/group.
std::string user_mention(const Person& person);
std::string group_mention(const std::string& type);
// A POST /v1/messages body. `team_id` empty: left out.
std::string message_body(const std::string& id, const Person& sender,
                         const std::vector<std::string>& mentions, const std::string& text,
                         const std::string& team_id = "T0001");
// A POST /v1/notifications body; `thread_key` empty: left out.
std::string notification_body(const std::string& id, const std::string& route,
                              const std::string& title, const std::string& text,
                              const std::string& severity = "info",
                              const std::string& thread_key = "");

// Demo people: alice, bob and carol exist in the emulated Slack (U0001..U0003).
Person alice();
Person bob();
Person carol();

// A browser: GETs `url` and follows redirects while they stay on loopback (the bot and the
// emulator); returns the last answer: a page, or a redirect elsewhere (back to the platform).
net::HttpResponse browse(const std::string& url);

// For each text that `pattern` finds in a message Slack got, how many messages carried it
// (e.g. message ids in relayed text: a count above 1 is a duplicate).
std::map<std::string, int> posts_per_match(const emulator::Emulator& emulator,
                                           const std::string& pattern);

// How many items the bot's log says it re-queued from a crashed predecessor ("recovered N
// item(s)" per partition taken over), summed.
int recovered_in_flight(const std::string& bot_output);

// What Slack answers auth.test for `token` now: "" when it works, else the error code.
std::string auth_test_error(emulator::Emulator& emulator, const std::string& token);

// Adds `count` active users U1000.. (user1000@example.com ...) to `team_id`; returns them.
std::vector<Person> add_slack_users(emulator::Emulator& emulator, const std::string& team_id,
                                    int first, int count);

// Adds workspace `team_id` (its domain `domain`) with a bot user, the bot token `bot_token`
// (users:read, users:read.email, chat:write; no im:write, so DMs go to the user id) and `users`
// people (add_slack_users); returns them.
std::vector<Person> add_bot_workspace(emulator::Emulator& emulator, const std::string& team_id,
                                      const std::string& domain, const std::string& bot_token,
                                      int users);

struct BridgeOptions {
  // Serve the emulator over HTTPS with a certificate from a fresh test CA, which the bot's
  // config trusts through slack.tls.ca_file.
  bool https = false;
};

class Bridge {
 public:
  // Seeds the demo workspace and serves the emulator on loopback; the bot is not started yet.
  explicit Bridge(BridgeOptions options = {});
  ~Bridge();

  // Starts (or restarts) the bot with the current settings; fails the test with its output when
  // it does not become healthy. `together`: more bots (on the same store, say) spawned at the
  // same moment as this one, before any of them is waited for.
  void start_bot(const std::vector<BotProcess*>& together = {});
  // Configures slack.oauth with the emulator's app and its authorize page.
  void enable_oauth();
  // Turns Socket Mode on (the demo app token) for the next start_bot.
  void enable_socket_mode();
  // Waits until /readyz says the bot holds an open Socket Mode connection.
  void wait_socket_mode_ready();
  // Sends the Events API event `event_json` for T0001 over Socket Mode and waits until the bot
  // acked it (which it does once the event is recorded, before handling it). Returns its event_id.
  std::string send_event_acked(const std::string& event_json);
  // Add to Slack in a browser (GET /slack/install through to the bot's result page); requires
  // the "installed" page.
  void install_with_oauth();
  ExitStatus stop_bot();  // SIGTERM; the caller asserts on the result
  ExitStatus kill_bot();  // kill -9

  // An admin request (/v1/installations...) to the bot, with platform.admin_token as Bearer;
  // fails the test when no answer comes.
  net::HttpResponse admin(const std::string& method, const std::string& path,
                          const std::string& body = {});
  // PUT /v1/users/{person.id}/link with the person's email in T0001; requires 200.
  void link(const Person& person);
  // Polls GET /v1/messages/{id} (or notifications) until its status is not "queued"; returns the
  // last body ("" when the deadline passed while queued).
  std::string wait_final(const std::string& id, bool notification = false,
                         std::chrono::milliseconds within = std::chrono::seconds(30));

  // Messages the bot's DM with `slack_user` holds, oldest first.
  std::vector<emulator::Message> bot_dm_messages(const std::string& slack_user);

  emulator::Emulator emulator;
  emulator::DemoWorkspace demo;
  TestCertificates certificates;  // empty without https
  emulator::EmulatorServer server;
  TempDir dir;
  BotSettings settings;
  std::unique_ptr<BotProcess> bot;
  std::unique_ptr<PlatformClient> api;
};

}  // namespace bridgebot::test
