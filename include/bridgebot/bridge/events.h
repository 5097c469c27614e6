// What bridgebot does with Slack events arriving over Socket Mode (the `event` object of an
// events_api envelope): lifecycle (app_uninstalled, tokens_revoked), the directory (user_change,
// team_join) and the App Home tab (app_home_opened). One small function per event type, in one
// table (src/bridge/events.cpp): adding an event is one new function and one row.
//
// Thread safety: handle_event may run concurrently from any number of threads. It blocks on the
// store and on Slack; the EventInbox calls it for events already recorded (and acked), off every
// I/O thread. The referenced objects must outlive the EventHandler.
#pragma once

#include <rapidjson/fwd.h>

#include <functional>
#include <string_view>

#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/result.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

// Optional behaviour of the handlers.
struct EventOptions {
  // platform.reply_webhook_url is set: replies to bridged DMs (message.im) are queued for it.
  bool replies = false;
  // Called after a handler queued outbox work (wakes the dispatcher); may be empty.
  std::function<void()> on_new_work;
};

// What an event handler may touch.
struct EventContext {
  store::Store& store;
  slack::SlackApi& slack;
  InstallationDirectory& installations;
  Directory& directory;
  const core::Clock& clock;
  EventOptions options;
};

class EventHandler {
 public:
  EventHandler(store::Store& store, slack::SlackApi& slack, InstallationDirectory& installations,
               Directory& directory, const core::Clock& clock, EventOptions options = {});

  // Handles one event of workspace `team_id` (the envelope payload's team_id). Unknown types
  // and events that need nothing done succeed. An error (store or Slack) goes back to the
  // EventInbox, which retries a transient one.
  Status handle_event(std::string_view team_id, const rapidjson::Value& event);

 private:
  EventContext context_;
};

}  // namespace bridgebot::bridge
