// conversations.open.
#include "web_api.h"

namespace bridgebot::emulator {

// Opens (or finds) the DM between the token's user and one other user. Group DMs (several
// users) are not emulated.
Status conversations_open(MethodCall& call) {
  std::string users = call.params.get("users");
  if (users.empty()) return slack_error("users_list_not_supplied");
  if (users.find(',') != std::string::npos) return slack_error("not_implemented");
  auto user = call.state.find_user(call.workspace.id, users);
  if (!user) return slack_error("user_not_found");
  if (user->deleted) return slack_error("user_disabled");

  auto existing = call.state.direct_messages.size();
  const DirectMessage& dm = call.state.open_dm(call.workspace.id, call.token.user_id, user->id);
  bool already_open = call.state.direct_messages.size() == existing;

  auto& alloc = call.allocator();
  rapidjson::Value channel(rapidjson::kObjectType);
  add_string(channel, "id", dm.id, alloc);
  add_member(call.reply, "channel", std::move(channel), alloc);
  if (already_open) {
    add_bool(call.reply, "no_op", true, alloc);
    add_bool(call.reply, "already_open", true, alloc);
  }
  return Status::success();
}

}  // namespace bridgebot::emulator
