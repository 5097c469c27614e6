#include "bridgebot/bridge/acceptor.h"

#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/bridge/relay_rules.h"
#include "bridgebot/bridge/routes.h"
#include "installation_errors.h"

namespace bridgebot::bridge {

Acceptor::Acceptor(store::Store& store, InstallationDirectory& installations,
                   const core::Config& config, const core::Clock& clock,
                   std::function<void()> on_new_work, AcceptHandoff* handoff)
    : store_(store),
      installations_(installations),
      config_(config),
      clock_(clock),
      on_new_work_(std::move(on_new_work)),
      handoff_(handoff) {}

Result<std::string> Acceptor::resolve_team(const std::string& team_id) {
  // Whether a named workspace is installed is decided by Store::accept, in the transaction that
  // records the message (record() turns its refusal into unknown_team): reading and decrypting
  // the installation here as well cost every accepted message a second store read.
  if (!team_id.empty()) return team_id;
  auto teams = installations_.active_team_ids();
  if (teams.size() == 1) return teams.front();
  Error e = make_error("team_id_required",
                       teams.empty() ? "no Slack workspace is installed yet"
                                     : "several workspaces are installed: say which in team_id");
  e.field = "team_id";
  return e;
}

bool Acceptor::accepts_without_blocking(const std::string& team_id) const {
  return !team_id.empty() && store_.writes_without_blocking();
}

void Acceptor::reserve(store::AcceptRequest& request) {
  if (handoff_ != nullptr && !request.items.empty()) {
    request.claim = handoff_->reserve(request.team_id, static_cast<int>(request.items.size()));
  }
}

Result<AcceptOutcome> Acceptor::recorded(const store::AcceptRequest& request,
                                         std::shared_ptr<const MessagePayload> message,
                                         Result<store::AcceptResult> result) {
  std::size_t taken = 0;
  if (request.claim.limit > 0) {
    std::vector<store::OutboxItem> claimed;
    if (result.ok()) claimed = std::move(result->claimed);
    taken = claimed.size();
    handoff_->hand_over(request.claim, std::move(claimed), std::move(message));
  }
  if (!result.ok() && result.error().code == "conflict") {
    // Never installed, or disconnected (perhaps a moment ago).
    return unknown_team(request.team_id);
  }
  if (!result.ok()) return result.error();
  if (result->duplicate) return AcceptOutcome{"duplicate", ""};
  if (request.items.empty()) {
    return AcceptOutcome{std::string(store::to_string(request.status)), request.reason};
  }
  // Items left queued wait for the dispatcher's claimer.
  if (on_new_work_ && taken < request.items.size()) on_new_work_();
  return AcceptOutcome{"queued", ""};
}

Result<AcceptOutcome> Acceptor::record(Result<Prepared> prepared) {
  if (!prepared.ok()) return prepared.error();
  store::AcceptRequest& request = prepared->request;
  reserve(request);
  return recorded(request, std::move(prepared->message), store_.accept(request));
}

void Acceptor::record(Result<Prepared> prepared, Done done) {
  if (!prepared.ok()) return done(prepared.error());
  reserve(prepared->request);
  store_.accept_async(
      std::move(prepared->request),
      [this, message = std::move(prepared->message), done = std::move(done)](
          const store::AcceptRequest& accepted, Result<store::AcceptResult> result) mutable {
        done(recorded(accepted, std::move(message), std::move(result)));
      });
}

Result<AcceptOutcome> Acceptor::accept_message(PlatformMessage message) {
  return record(message_request(std::move(message)));
}

Result<AcceptOutcome> Acceptor::accept_notification(PlatformNotification notification) {
  return record(notification_request(std::move(notification)));
}

void Acceptor::accept_message(PlatformMessage message, Done done) {
  record(message_request(std::move(message)), std::move(done));
}

void Acceptor::accept_notification(PlatformNotification notification, Done done) {
  record(notification_request(std::move(notification)), std::move(done));
}

Result<Acceptor::Prepared> Acceptor::message_request(PlatformMessage&& message) {
  auto team = resolve_team(message.team_id);
  if (!team.ok()) return team.error();
  message.team_id = *team;

  Prepared prepared;
  store::AcceptRequest& request = prepared.request;
  request.kind = store::SourceKind::message;
  request.source_id = message.id;
  request.team_id = *team;
  request.now = clock_.unix_seconds();
  RelayDecision decision = decide_relay(message);
  if (!decision.relay) {
    request.status = store::ItemStatus::ignored;
    request.reason = decision.ignore_reason;
    return prepared;
  }
  std::string recipient_key = decision.recipient->id.empty()
                                  ? normalize_email(decision.recipient->email)
                                  : decision.recipient->id;
  std::string ordering_key = *team + ":" + recipient_key;
  const bool copy_to_sender = config_.relay.copy_to_sender && !message.sender.external;
  std::string sender_id = copy_to_sender ? message.sender.id : std::string();
  // Built in place: each move of a message copies its short strings' bytes.
  auto payload =
      std::make_shared<const MessagePayload>(std::move(message), std::move(*decision.recipient));
  // The payload (~0.5 KB) and the keys are moved into the last item that needs them, not copied.
  std::string payload_json = encode_message_payload(*payload);
  request.status = store::ItemStatus::queued;
  request.items.reserve(copy_to_sender ? 2 : 1);
  if (copy_to_sender) {
    request.items.push_back(
        {kRoleRecipient, std::move(recipient_key), payload_json, ordering_key, request.now});
    request.items.push_back({kRoleSenderCopy, std::move(sender_id), std::move(payload_json),
                             std::move(ordering_key), request.now});
  } else {
    request.items.push_back({kRoleRecipient, std::move(recipient_key), std::move(payload_json),
                             std::move(ordering_key), request.now});
  }
  prepared.message = std::move(payload);
  return prepared;
}

Result<Acceptor::Prepared> Acceptor::notification_request(PlatformNotification notification) {
  auto team = resolve_team(notification.team_id);
  if (!team.ok()) return team.error();
  notification.team_id = *team;
  const auto destinations = match_routes(config_.routes, notification);
  if (destinations.empty()) {
    return make_error("no_route", "no notification route matches route '" + notification.route +
                                      "' with severity '" + notification.severity +
                                      "' (see notifications.routes in the configuration)");
  }
  Prepared prepared;
  store::AcceptRequest& request = prepared.request;
  request.kind = store::SourceKind::notification;
  request.source_id = notification.id;
  request.team_id = *team;
  request.now = clock_.unix_seconds();
  request.status = store::ItemStatus::queued;
  const std::string payload = encode_notification_payload(notification);
  const std::string thread = notification.thread_key.empty() ? "id:" + notification.id
                                                             : "thread:" + notification.thread_key;
  for (const auto& destination : destinations) {
    const std::string key = destination_key(destination);
    request.items.push_back(
        {kRoleDestination, key, payload, *team + ":" + key + ":" + thread, request.now});
  }
  return prepared;
}

}  // namespace bridgebot::bridge
