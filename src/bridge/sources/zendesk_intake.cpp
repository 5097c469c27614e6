#include "bridgebot/bridge/sources/zendesk_intake.h"

#include <spdlog/spdlog.h>

#include "bridgebot/bridge/sources/zendesk.h"

namespace bridgebot::bridge::sources {
namespace {

constexpr std::int64_t kFailureRecordInterval = 10;  // seconds

}  // namespace

ZendeskIntake::ZendeskIntake(std::vector<core::ZendeskSource> sources, Acceptor& acceptor,
                             store::Store& store, const core::Clock& clock)
    : sources_(std::move(sources)), acceptor_(acceptor), store_(store), clock_(clock) {}

Result<ZendeskAnswer> ZendeskIntake::receive(const ZendeskRequest& request) {
  const core::ZendeskSource* source = nullptr;
  for (const auto& candidate : sources_) {
    if (candidate.id == request.source_id) source = &candidate;
  }
  if (source == nullptr) {
    return make_error("not_found", "no Zendesk source '" + request.source_id +
                                       "' is configured (sources.zendesk)");
  }
  auto fail = [&](const Error& error) -> Result<ZendeskAnswer> {
    record_failure(source->id, error);
    return error;
  };
  if (Status verified =
          verify_zendesk_signature(source->signing_secret, request.timestamp, request.signature,
                                   request.body, clock_.unix_seconds());
      !verified.ok()) {
    return fail(verified.error());
  }
  auto outcome = map_zendesk_event(request.body, *source);
  if (!outcome.ok()) return fail(outcome.error());

  ZendeskAnswer answer{outcome->event_id, "ignored"};
  if (outcome->notification) {
    auto accepted = acceptor_.accept_notification(std::move(*outcome->notification));
    if (!accepted.ok()) return fail(accepted.error());
    answer.status = accepted->status;
  }
  if (Status recorded = store_.record_source_event(zendesk_activity_key(source->id),
                                                   answer.event_id, clock_.unix_seconds());
      !recorded.ok()) {
    // The event itself is safe in the outbox; only Test Connection's view lags.
    spdlog::warn("zendesk source {}: could not record event {}: {}", source->id, answer.event_id,
                 recorded.error().to_string());
  }
  return answer;
}

void ZendeskIntake::record_failure(const std::string& source_id, const Error& error) {
  const std::int64_t now = clock_.unix_seconds();
  spdlog::info("zendesk source {}: refused a request: {}", source_id, error.code);
  {
    std::lock_guard lock(mutex_);
    auto [at, first] = failure_recorded_at_.try_emplace(source_id, now);
    if (!first && now - at->second < kFailureRecordInterval) return;
    at->second = now;
  }
  const std::string failure = error.code + ": " + error.message;
  if (Status recorded = store_.record_source_failure(zendesk_activity_key(source_id), failure, now);
      !recorded.ok()) {
    spdlog::warn("zendesk source {}: could not record a failure: {}", source_id,
                 recorded.error().to_string());
  }
}

}  // namespace bridgebot::bridge::sources
