// auth.test, auth.revoke and apps.connections.open.
#include <cstdio>

#include "web_api.h"

namespace bridgebot::emulator {

Status auth_test(MethodCall& call) {
  auto& reply = call.reply;
  auto& alloc = call.allocator();
  auto user = call.state.find_user(call.workspace.id, call.token.user_id);
  add_string(reply, "url", call.workspace.url(), alloc);
  add_string(reply, "team", call.workspace.name, alloc);
  add_string(reply, "user", user ? user->name : "", alloc);
  add_string(reply, "team_id", call.workspace.id, alloc);
  add_string(reply, "user_id", call.token.user_id, alloc);
  if (call.token.kind == TokenKind::bot && user && !user->bot_id.empty()) {
    add_string(reply, "bot_id", user->bot_id, alloc);
  }
  add_bool(reply, "is_enterprise_install", false, alloc);
  return Status::success();
}

Status auth_revoke(MethodCall& call) {
  // test=true asks whether the token could be revoked without revoking it.
  std::string test = call.params.get("test");
  bool dry_run = test == "true" || test == "1";
  if (!dry_run) call.state.find_token(call.token.value)->state = TokenState::revoked;
  add_bool(call.reply, "revoked", !dry_run, call.allocator());
  return Status::success();
}

Status apps_connections_open(MethodCall& call) {
  char ticket[40];
  std::snprintf(ticket, sizeof ticket, "%016llx%016llx",
                static_cast<unsigned long long>(call.random()),
                static_cast<unsigned long long>(call.random()));
  call.state.tickets.push_back({ticket, call.token.app_id, call.token.value});
  std::string url =
      call.options.socket_mode_url + "?ticket=" + ticket + "&app_id=" + call.token.app_id;
  add_string(call.reply, "url", url, call.allocator());
  return Status::success();
}

}  // namespace bridgebot::emulator
