// Test Connection: what an admin needs to know about one bot token (does Slack take it, which
// workspace and bot user, which required scopes are missing, is Socket Mode up) and, when
// something is wrong, the one thing to do next. Shared by POST /v1/installations/{team}/test and
// `bridgebot test-connection`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/config.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

// A notification destination that stopped working (as the store finds it), and what the admin
// can do about it.
struct DestinationProblem : store::FailingDestination {
  std::string action;
};

// One configured source (sources.zendesk) as Test Connection shows it.
struct SourceReport {
  std::string kind = "zendesk";
  std::string id;
  std::string domain;
  std::string route;
  // no_events_yet | receiving (the latest request was accepted) | failing (the latest was
  // refused: last_failure says why)
  std::string status;
  std::string action;  // the admin's next step when failing or silent; "" otherwise
  store::SourceActivity activity;
};

struct ConnectionReport {
  bool ok = false;
  std::string error;    // Slack's or our code ("token_expired", "missing_scopes", ...); "" when ok
  std::string message;  // a sentence about the error
  std::string action;   // the admin's next step; "" when ok
  std::string team_id;
  std::string team_name;
  std::string domain;
  std::string bot_user_id;
  std::string bot_user_name;
  std::vector<std::string> scopes;
  std::vector<std::string> missing_scopes;  // required scopes not granted, in kRequiredBotScopes
  std::optional<std::int64_t> token_expires_at;  // unix seconds, rotating tokens only
  std::string socket_mode;  // as the Socket Mode supervisor reports it; "" when unknown
  // The configured workspace-wide chat.postMessage pace (slack.rate_limits), so an admin who
  // sees deliveries lag can tell whether the bridge or Slack holds them back.
  int post_message_per_workspace_per_minute = 0;
  std::vector<DestinationProblem> failing_destinations;
  std::vector<SourceReport> sources;
};

// Socket Mode states of the supervisor that fail the test: Socket Mode is off for the app, or
// Slack refuses the app-level token (slack.app_token). Neither heals by waiting.
inline constexpr std::string_view kSocketModeLinkDisabled = "link_disabled";
inline constexpr std::string_view kSocketModeAuthFailed = "auth_failed";
// What Test Connection says of Socket Mode with slack.events.mode http.
inline constexpr std::string_view kSocketModeNotUsed = "not used: events come over HTTP";
// The error code Test Connection reports for kSocketModeAuthFailed.
inline constexpr std::string_view kAppTokenRejected = "app_token_rejected";

// The admin's next step for an error code; pure. Unknown codes get a generic sentence.
std::string admin_action_for(std::string_view error_code);

// The error code of a report whose connection works but a notification destination does not.
inline constexpr std::string_view kDestinationFailing = "destination_failing";

// The admin's next step for notifications to `destination_key` failing with `reason`; pure.
std::string destination_action(std::string_view destination_key, std::string_view reason);

// Adds `failing` (with their actions) to `report`; a report that was ok fails with
// destination_failing, naming the first of them. Pure.
void add_destination_problems(ConnectionReport& report,
                              const std::vector<store::FailingDestination>& failing);

// Adds a SourceReport for each source of `team_id` (its team_id, or none: the only workspace)
// from what the store recorded. A source does not fail the report: anyone can send it a forged
// request, so its state is shown, not judged. Pure.
void add_source_reports(ConnectionReport& report, std::string_view team_id,
                        const std::vector<core::ZendeskSource>& sources,
                        const std::vector<store::SourceActivity>& activity);

// How to add one missing scope, for people reading the CLI output.
std::string how_to_add_scope(std::string_view scope);

// Calls auth.test with `token` and builds the report. `socket_mode` is the supervisor's state
// for this workspace ("" when not known or not used). Blocks on Slack.
// `replies`: platform.reply_webhook_url is set, so im:history is required too.
ConnectionReport test_connection(slack::SlackApi& slack, const slack::TeamToken& token,
                                 std::string socket_mode, bool replies = false);

}  // namespace bridgebot::bridge
