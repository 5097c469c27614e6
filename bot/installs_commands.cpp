#include "installs_commands.h"

#include <cstdlib>

namespace bridgebot::cli {
namespace {

// Options shared by several subcommands; CLI11 binds them by reference, so they live as long as
// the process.
struct InstallsOptions {
  std::string config_path;
  std::string team_id;
  std::string old_key;
  std::string redirect_url;
  std::string events_mode = "socket";
  std::string request_url;
  bool replies = false;
};

InstallsOptions& options() {
  static InstallsOptions instance;
  return instance;
}

}  // namespace

void add_installs_commands(CLI::App& app, int& exit_code_ref) {
  // Callbacks run after this function returned: they hold pointers, not references to locals.
  InstallsOptions* opts = &options();
  int* exit_code = &exit_code_ref;
  InstallsOptions& o = *opts;

  auto* test = app.add_subcommand(
      "test-connection",
      "Check a bot token with Slack: workspace, bot user, scopes (slack.bot_token, or --team)");
  test->add_option("--config,-c", o.config_path, "YAML configuration file")->required();
  test->add_option("--team", o.team_id, "Test this installed workspace instead");
  test->callback([opts, exit_code] {
    *exit_code = test_connection_command(opts->config_path, opts->team_id);
  });

  auto* installs = app.add_subcommand("installations", "List and manage installed workspaces");
  installs->require_subcommand(1);
  for (const char* action : {"list", "test", "rotate", "disconnect"}) {
    auto* sub = installs->add_subcommand(action, std::string(action) + " installations");
    sub->add_option("--config,-c", o.config_path, "YAML configuration file")->required();
    auto* team = sub->add_option("--team", o.team_id, "Workspace (team id)");
    if (std::string(action) == "rotate" || std::string(action) == "disconnect") team->required();
    sub->callback([opts, exit_code, action] {
      *exit_code = installations_command(action, opts->config_path, opts->team_id);
    });
  }

  auto* rotate_key = app.add_subcommand(
      "rotate-key", "Re-seal every stored token with the current encryption key");
  rotate_key->add_option("--config,-c", o.config_path, "YAML configuration file")->required();
  rotate_key->add_option("--old-key", o.old_key,
                         "The previous key (base64/hex); default: $BRIDGEBOT_OLD_ENCRYPTION_KEY");
  rotate_key->callback([opts, exit_code] {
    if (opts->old_key.empty()) {
      if (const char* env = std::getenv("BRIDGEBOT_OLD_ENCRYPTION_KEY")) opts->old_key = env;
    }
    *exit_code = rotate_key_command(opts->config_path, opts->old_key);
  });

  auto* manifest = app.add_subcommand("manifest", "Print the Slack app manifest (YAML)");
  manifest->add_option("--redirect-url", o.redirect_url,
                       "OAuth redirect URL to list (slack.oauth.redirect_url)");
  manifest
      ->add_option("--events", o.events_mode,
                   "How Slack delivers events: socket (Socket Mode) or http (to --request-url)")
      ->check(CLI::IsMember(std::vector<std::string>{"socket", "http"}));
  manifest->add_option("--request-url", o.request_url,
                       "With --events http: the public URL of /slack/events");
  manifest->add_flag("--replies", o.replies,
                     "Replies to bridged DMs are on (platform.reply_webhook_url): add the event "
                     "message.im and the scope im:history");
  manifest->callback([opts, exit_code] {
    *exit_code =
        manifest_command(opts->redirect_url, opts->events_mode, opts->request_url, opts->replies);
  });
}

}  // namespace bridgebot::cli
