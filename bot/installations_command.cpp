#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "admin_context.h"
#include "bridgebot/bridge/delivery_lease.h"
#include "bridgebot/bridge/delivery_partitions.h"
#include "bridgebot/bridge/key_rotation.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/slack/scopes.h"
#include "installs_commands.h"

namespace bridgebot::cli {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out.empty() ? "-" : out;
}

int list(AdminContext& context) {
  auto all = context.store->list_installations();
  if (!all.ok()) {
    std::cerr << all.error().to_string() << "\n";
    return 2;
  }
  int shown = 0;
  for (const auto& inst : *all) {
    if (inst.state != store::InstallationState::active) continue;
    ++shown;
    auto usage = context.store->team_usage(inst.team_id);
    if (!usage.ok()) {
      std::cerr << inst.team_id << ": " << usage.error().to_string() << "\n";
      return 2;
    }
    std::cout << inst.team_id << "  " << inst.domain << "  bot " << inst.bot_user_id << "  token "
              << (inst.token_expires_at
                      ? "rotating, expires at " + std::to_string(*inst.token_expires_at)
                      : std::string("does not expire"))
              << "  missing scopes " << joined(slack::missing_scopes(inst.scopes)) << "  links "
              << usage->links << " (" << usage->connected_users << " connected)  queued "
              << usage->queued_items << "\n";
  }
  if (shown == 0) std::cout << "no workspace is installed\n";
  return 0;
}

int test(AdminContext& context, const std::string& team_id) {
  std::vector<std::string> teams{team_id};
  if (team_id.empty()) teams = context.installations->active_team_ids();
  if (teams.empty()) {
    std::cout << "no workspace is installed\n";
    return 1;
  }
  // One app-level token serves every workspace: checked once.
  const std::string socket_mode = socket_mode_from_cli(context.slack->api, context.config);
  int exit_code = 0;
  for (const auto& team : teams) {
    auto report = context.installations->test_connection(team, socket_mode);
    if (!report.ok()) {
      std::cerr << team << ": " << report.error().to_string() << "\n";
      exit_code = 1;
      continue;
    }
    exit_code = std::max(exit_code, print_connection_report(*report));
  }
  return exit_code;
}

int rotate(AdminContext& context, const std::string& team_id) {
  auto inst = context.installations->rotate(team_id);
  if (!inst.ok()) {
    std::cerr << team_id << ": " << inst.error().to_string() << "\n";
    return 1;
  }
  std::cout << team_id << ": token refreshed; it expires at (unix) "
            << inst->token_expires_at.value_or(0) << "\n";
  return 0;
}

int disconnect(AdminContext& context, const std::string& team_id) {
  auto outcome = context.installations->disconnect(team_id);
  if (!outcome.ok()) {
    std::cerr << team_id << ": " << outcome.error().to_string() << "\n";
    return 1;
  }
  const auto& p = outcome->purged;
  std::cout << team_id << ": disconnected; deleted " << p.links << " links, " << p.outbox_items
            << " queued items, " << p.thread_anchors << " thread anchors, " << p.directory_entries
            << " directory entries\n";
  if (!outcome->token_revoked) {
    std::cout << "warning: Slack did not revoke the token (" << outcome->revoke_error
              << "): revoke it in the app's settings (OAuth & Permissions)\n";
  }
  if (outcome->user_tokens_revoked < outcome->user_tokens) {
    std::cout << "warning: Slack did not revoke "
              << outcome->user_tokens - outcome->user_tokens_revoked << " of "
              << outcome->user_tokens << " personal Connect token(s); they were deleted here\n";
  }
  return 0;
}

}  // namespace

int installations_command(const std::string& action, const std::string& config_path,
                          const std::string& team_id) {
  auto context = open_admin_context(config_path);
  if (!context.ok()) {
    std::cerr << config_path << ": " << context.error().to_string() << "\n";
    return 2;
  }
  AdminContext& c = **context;
  if (action == "list") return list(c);
  if (action == "test") return test(c, team_id);
  if (action == "rotate") return rotate(c, team_id);
  return disconnect(c, team_id);
}

int rotate_key_command(const std::string& config_path, const std::string& old_key) {
  if (old_key.empty()) {
    std::cerr << "give the previous key with --old-key or $BRIDGEBOT_OLD_ENCRYPTION_KEY\n";
    return 2;
  }
  auto context = open_admin_context(config_path, old_key);
  if (!context.ok()) {
    std::cerr << config_path << ": " << context.error().to_string() << "\n";
    return 2;
  }
  // A running bot writes tokens sealed under its own key and could overwrite a re-sealed row
  // with one it read before: refuse while one holds the store. Holding the lease meanwhile also
  // keeps a bot that starts now from delivering until the re-seal is done.
  // Delivering processes check that lease after announcing themselves (delivery_partitions.h),
  // and this checks for them after taking it: one of the two sees the other.
  store::Store& store = *(*context)->store;
  const std::string owner = "rotate-key-" + std::to_string(::getpid());
  const auto now = core::system_clock().unix_seconds();
  auto held = store.acquire_lease(bridge::kDeliveryLeaseName, owner, now, 300);
  auto running = held.ok() && *held ? bridge::delivering_processes(store, now)
                                    : Result<std::vector<std::string>>(std::vector<std::string>{});
  if (!held.ok() || !*held || !running.ok() || !running->empty()) {
    if (held.ok() && *held) (void)store.release_lease(bridge::kDeliveryLeaseName, owner);
    std::cerr << (!held.ok()      ? held.error().to_string()
                  : !running.ok() ? running.error().to_string()
                                  : "a bridgebot process is running on this store (or stopped less "
                                    "than 10 s ago without a clean shutdown): stop every "
                                    "bridgebot using it, then run rotate-key again")
              << "\n";
    return 1;
  }
  auto counts = bridge::reseal_stored_secrets(store, *(*context)->box);
  (void)store.release_lease(bridge::kDeliveryLeaseName, owner);
  if (!counts.ok()) {
    std::cerr << counts.error().to_string() << "\n";
    return 1;
  }
  std::cout << "re-sealed " << counts->secrets << " secret(s) in " << counts->installations
            << " installation(s) and " << counts->links << " connected user(s) with key "
            << (*context)->box->current_key_id() << "\n";
  return 0;
}

}  // namespace bridgebot::cli
