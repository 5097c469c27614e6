// The accept path of POST /v1/sources/zendesk/{source_id}: checks Zendesk's signature, maps the
// event, hands the notification to the Acceptor (idempotent by Zendesk's event id, so Zendesk's
// retries post once) and records what the source last did for Test Connection.
//
// Thread safety: receive() may be called from any number of worker threads at once. It blocks
// on the store; never call it on an event loop thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/bridge/acceptor.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/config.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge::sources {

struct ZendeskRequest {
  std::string source_id;  // from the path
  std::string timestamp;  // X-Zendesk-Webhook-Signature-Timestamp
  std::string signature;  // X-Zendesk-Webhook-Signature
  std::string body;
};

struct ZendeskAnswer {
  std::string event_id;
  std::string status;  // queued | duplicate | ignored
};

class ZendeskIntake {
 public:
  ZendeskIntake(std::vector<core::ZendeskSource> sources, Acceptor& acceptor, store::Store& store,
                const core::Clock& clock);

  // Errors: not_found (no such source), stale_timestamp / invalid_signature, invalid_json /
  // invalid_field, and the Acceptor's (no_route, unknown_team, team_id_required, store errors).
  Result<ZendeskAnswer> receive(const ZendeskRequest& request);

 private:
  void record_failure(const std::string& source_id, const Error& error);

  std::vector<core::ZendeskSource> sources_;
  Acceptor& acceptor_;
  store::Store& store_;
  const core::Clock& clock_;
  // A forged request must not cost a store write each: failures of a source are recorded at most
  // once per kFailureRecordInterval.
  std::mutex mutex_;
  std::map<std::string, std::int64_t> failure_recorded_at_;  // guarded by mutex_
};

}  // namespace bridgebot::bridge::sources
