// The accept path of POST /v1/messages and /v1/notifications: applies the relay rule and the
// routes, resolves the workspace, and records the item(s) durably before answering. A queued
// answer is a promise: the dispatcher delivers from the store, across restarts.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bridgebot/bridge/accept_handoff.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/bridge/platform_types.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/config.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct AcceptOutcome {
  std::string status;  // queued | duplicate | ignored
  std::string reason;  // for ignored
};

class Acceptor {
 public:
  // `on_new_work` is called after a commit that queued items (wakes the dispatcher). `handoff`
  // (optional; must outlive the Acceptor) takes the items an accept may claim for delivery at
  // once.
  Acceptor(store::Store& store, InstallationDirectory& installations, const core::Config& config,
           const core::Clock& clock, std::function<void()> on_new_work,
           AcceptHandoff* handoff = nullptr);

  // Errors: team_id_required, unknown_team, no_route (notifications), store errors.
  Result<AcceptOutcome> accept_message(PlatformMessage message);
  Result<AcceptOutcome> accept_notification(PlatformNotification notification);

  using Done = std::function<void(Result<AcceptOutcome>)>;
  // The same, answering through `done` (once). When accepts_without_blocking(team_id), they
  // return before the commit and `done` runs on the store's writer thread after it (keep it
  // short: it holds up the next group commit); otherwise they block and call `done` first.
  void accept_message(PlatformMessage message, Done done);
  void accept_notification(PlatformNotification notification, Done done);
  // Whether the asynchronous accept of a request naming `team_id` never blocks its caller, so
  // that an event loop may call it: the store commits on a thread of its own, and the workspace
  // is named (finding the only installed one reads the store).
  bool accepts_without_blocking(const std::string& team_id) const;

  // The workspace a request names, or the only installed one when it names none.
  Result<std::string> resolve_team(const std::string& team_id);

 private:
  // What the store records for an accept, and for a relayed message the payload its items
  // encode (handed over with the items the accept takes).
  struct Prepared {
    store::AcceptRequest request;
    std::shared_ptr<const MessagePayload> message;
  };
  Result<Prepared> message_request(PlatformMessage&& message);
  Result<Prepared> notification_request(PlatformNotification notification);
  // Records the request (or answers its error): blocking, or with the answer through `done`.
  Result<AcceptOutcome> record(Result<Prepared> prepared);
  void record(Result<Prepared> prepared, Done done);
  // Claim at accept: the room the request may take its items into, before the store's accept.
  void reserve(store::AcceptRequest& request);
  // After the store's accept, whatever its result: hands the claimed items over (with
  // `message`), wakes the dispatcher for the rest, and says what the caller is answered.
  Result<AcceptOutcome> recorded(const store::AcceptRequest& request,
                                 std::shared_ptr<const MessagePayload> message,
                                 Result<store::AcceptResult> result);

  store::Store& store_;
  InstallationDirectory& installations_;
  const core::Config& config_;
  const core::Clock& clock_;
  std::function<void()> on_new_work_;
  AcceptHandoff* handoff_;
};

}  // namespace bridgebot::bridge
