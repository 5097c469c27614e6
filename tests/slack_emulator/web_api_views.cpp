// views.publish.
#include "web_api.h"

namespace bridgebot::emulator {
namespace {

constexpr rapidjson::SizeType kMaxHomeBlocks = 100;
constexpr std::size_t kMaxViewBytes = 250 * 1000;

bool is_valid_home_view(const rapidjson::Value& view) {
  if (!view.IsObject()) return false;
  auto type = view.FindMember("type");
  if (type == view.MemberEnd() || !type->value.IsString() ||
      std::string_view(type->value.GetString()) != "home") {
    return false;
  }
  auto blocks = view.FindMember("blocks");
  return blocks != view.MemberEnd() && blocks->value.IsArray() &&
         blocks->value.Size() <= kMaxHomeBlocks;
}

}  // namespace

Status views_publish(MethodCall& call) {
  auto app = call.state.apps.find(call.token.app_id);
  if (app != call.state.apps.end() && !app->second.home_tab_enabled) {
    return slack_error("not_enabled");
  }
  auto user = call.state.find_user(call.workspace.id, call.params.get("user_id"));
  if (!user) return slack_error("user_not_found");
  std::string view_text = call.params.get("view");
  auto& alloc = call.allocator();
  auto view = parse_json(view_text, alloc);
  if (view_text.size() > kMaxViewBytes || !view || !is_valid_home_view(*view)) {
    return slack_error("invalid_arguments");
  }

  PublishedView published{call.workspace.id, user->id, call.state.next_id('V'), to_json(*view)};
  call.state.home_views.push_back(published);

  view->RemoveMember("id");
  view->RemoveMember("team_id");
  add_string(*view, "id", published.view_id, alloc);
  add_string(*view, "team_id", published.team_id, alloc);
  add_member(call.reply, "view", std::move(*view), alloc);
  return Status::success();
}

}  // namespace bridgebot::emulator
