// The admin subcommands of the installs feature: test-connection, installations
// list|test|rotate|disconnect, rotate-key and manifest. Registered on the CLI by main().
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace bridgebot::cli {

// Adds the subcommands to `app`; a command's callback stores its exit code in `exit_code`,
// which must outlive app.parse().
void add_installs_commands(CLI::App& app, int& exit_code);

// The commands themselves; each returns the exit code (0: fine, 1: a problem was reported, 2:
// the command could not run, e.g. a bad configuration).
int test_connection_command(const std::string& config_path, const std::string& team_id);
int installations_command(const std::string& action, const std::string& config_path,
                          const std::string& team_id);
int rotate_key_command(const std::string& config_path, const std::string& old_key);
// `events_mode` http needs `request_url` (https://…/slack/events). `replies`: list message.im and
// im:history (platform.reply_webhook_url is set).
int manifest_command(const std::string& redirect_url, const std::string& events_mode,
                     const std::string& request_url, bool replies);

}  // namespace bridgebot::cli
