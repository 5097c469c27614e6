#include <iostream>

#include "admin_context.h"
#include "bridgebot/bridge/connection_test.h"
#include "installs_commands.h"

namespace bridgebot::cli {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string socket_mode_from_cli(slack::SlackApi& slack, const core::Config& config) {
  if (config.slack.events_mode == "http") return std::string(bridge::kSocketModeNotUsed);
  if (!config.slack.socket_mode_enabled || config.slack.app_token.empty()) return "disabled";
  auto url = slack.apps_connections_open(config.slack.app_token);
  if (url.ok()) return "app token accepted";
  if (!url.error().transient) return std::string(bridge::kSocketModeAuthFailed);
  return "not checked: " + url.error().code;
}

// Prints a report for a person at a terminal; returns the exit code.
int print_connection_report(const bridge::ConnectionReport& r) {
  if (!r.team_id.empty() || !r.domain.empty()) {
    std::cout << "workspace: " << (r.domain.empty() ? "?" : r.domain) << " (" << r.team_name << ", "
              << r.team_id << ")\n";
  }
  if (!r.bot_user_id.empty()) {
    std::cout << "bot user: " << r.bot_user_name << " (" << r.bot_user_id << ")\n"
              << "granted scopes: " << joined(r.scopes) << "\n";
  }
  for (const auto& scope : r.missing_scopes) {
    std::cout << "missing required scope " << scope << ": " << bridge::how_to_add_scope(scope)
              << "\n";
  }
  if (r.token_expires_at) std::cout << "token expires at (unix): " << *r.token_expires_at << "\n";
  if (!r.socket_mode.empty()) std::cout << "socket mode: " << r.socket_mode << "\n";
  std::cout
      << "chat.postMessage pace: " << r.post_message_per_workspace_per_minute
      << " per minute per workspace (slack.rate_limits.post_message_per_workspace_per_minute)\n";
  for (const auto& problem : r.failing_destinations) {
    std::cout << "notifications to " << problem.destination << " fail: " << problem.reason << " ("
              << problem.failed_items
              << " since the last delivered)\n  what to do: " << problem.action << "\n";
  }
  for (const auto& source : r.sources) {
    const auto& a = source.activity;
    std::cout << source.kind << " source " << source.id << " (" << source.domain
              << ".zendesk.com, route " << source.route << "): " << source.status;
    if (a.last_event_at) {
      std::cout << "; last event " << a.last_event_id << " at (unix) " << *a.last_event_at;
    }
    if (a.last_failure_at) {
      std::cout << "; last failure at (unix) " << *a.last_failure_at << ": " << a.last_failure;
    }
    std::cout << "\n";
    if (!source.action.empty()) std::cout << "  what to do: " << source.action << "\n";
  }
  if (r.ok) {
    std::cout << "OK: the token works and has every required scope\n";
    return 0;
  }
  std::cout << "FAILED: " << r.error << (r.message.empty() ? "" : ": " + r.message) << "\n"
            << "what to do: " << r.action << "\n";
  return 1;
}

int test_connection_command(const std::string& config_path, const std::string& team_id) {
  if (!team_id.empty()) return installations_command("test", config_path, team_id);
  auto config = load_admin_config(config_path);
  if (!config.ok()) {
    std::cerr << config_path << ": " << config.error().message << "\n";
    return 2;
  }
  if (config->slack.bot_token.empty()) {
    std::cerr << "slack.bot_token is empty in " << config_path
              << ": set it, or give --team T to test an installed workspace\n";
    return 2;
  }
  SlackClient slack(*config);
  auto report = bridge::test_connection(slack.api, {"", config->slack.bot_token},
                                        socket_mode_from_cli(slack.api, *config),
                                        !config->platform.reply_webhook_url.empty());
  report.post_message_per_workspace_per_minute =
      config->slack.post_message_per_workspace_per_minute;
  return print_connection_report(report);
}

}  // namespace bridgebot::cli
