#include "bridgebot/bridge/events.h"

#include "bridgebot/core/json.h"
#include "event_handlers.h"

namespace bridgebot::bridge {
namespace {

using Handler = Status (*)(const EventContext&, std::string_view, const rapidjson::Value&);

struct EventRow {
  std::string_view type;
  Handler handle;
};

constexpr EventRow kEvents[] = {
    {"app_uninstalled", events::app_uninstalled}, {"tokens_revoked", events::tokens_revoked},
    {"user_change", events::user_change},         {"team_join", events::team_join},
    {"app_home_opened", events::app_home_opened}, {"message", events::message},
};

}  // namespace

EventHandler::EventHandler(store::Store& store, slack::SlackApi& slack,
                           InstallationDirectory& installations, Directory& directory,
                           const core::Clock& clock, EventOptions options)
    : context_{store, slack, installations, directory, clock, std::move(options)} {}

Status EventHandler::handle_event(std::string_view team_id, const rapidjson::Value& event) {
  const std::string type = core::json_string_or(event, "type");
  for (const auto& row : kEvents) {
    if (row.type == type) return row.handle(context_, team_id, event);
  }
  return Status::success();
}

}  // namespace bridgebot::bridge
