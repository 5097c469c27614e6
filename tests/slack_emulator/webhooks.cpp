// Incoming webhooks: POST /services/<id> with a JSON payload. Slack answers 200 "ok", or a
// plain-text error code with a status that says whether the webhook is dead (404, 410).
#include <rapidjson/document.h>

#include "params.h"
#include "responses.h"
#include "slack_emulator/emulator.h"

namespace bridgebot::emulator {
namespace {

struct WebhookPayload {
  std::string text;
  std::string blocks_json;
};

// The payload's text and blocks, or the error to answer (invalid_payload, invalid_blocks,
// no_text). Slack takes a JSON body, or a form field `payload` holding the JSON.
Result<WebhookPayload> read_payload(const net::HttpRequest& request) {
  std::string json = request.body;
  if (request.headers.get("Content-Type").find("application/x-www-form-urlencoded") !=
      std::string::npos) {
    auto form = Params::from_request(request);
    json = form ? form->get("payload") : "";
  }
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) return make_error("invalid_payload");

  WebhookPayload payload;
  if (auto text = document.FindMember("text"); text != document.MemberEnd()) {
    if (!text->value.IsString()) return make_error("invalid_payload");
    payload.text = text->value.GetString();
  }
  if (auto blocks = document.FindMember("blocks"); blocks != document.MemberEnd()) {
    if (!blocks->value.IsArray()) return make_error("invalid_blocks");
    if (blocks->value.Size() > 0) payload.blocks_json = to_json(blocks->value);
  }
  if (payload.text.empty() && payload.blocks_json.empty()) return make_error("no_text");
  return payload;
}

}  // namespace

Answer Emulator::answer_webhook(const std::string& webhook_id, const net::HttpRequest& request,
                                CallRecord& record) {
  auto found = state_.webhooks.find(webhook_id);
  const IncomingWebhook* hook = found == state_.webhooks.end() ? nullptr : &found->second;
  record.method = kWebhookMethod;
  record.team_id = hook ? hook->team_id : "";
  record.params = {{"webhook", webhook_id}};

  std::string scope =
      RateLimiter::scope_key(record.team_id, kWebhookMethod, Tier::per_channel, webhook_id);
  rate_limiter_.note_arrival(scope, record.arrival);

  Answer answer;
  auto fail = [&](int status, const std::string& code) {
    answer.response = text_response(status, code);
    record.error = code;
    return answer;
  };

  if (apply_fault(scope, false, answer, record)) return answer;
  if (hook == nullptr || hook->state == WebhookState::removed) return fail(404, "no_service");
  if (hook->state == WebhookState::action_prohibited) return fail(403, "action_prohibited");
  const Channel* channel = state_.find_channel(hook->team_id, hook->channel_id);
  if (channel == nullptr) return fail(404, "channel_not_found");
  if (channel->is_archived) return fail(410, "channel_is_archived");
  if (auto wait = rate_limiter_.admit(scope, Tier::per_channel, record.arrival)) {
    fail(429, "rate_limited");
    answer.response.headers.set("Retry-After", std::to_string(wait->count()));
    return answer;
  }
  auto payload = read_payload(request);
  if (!payload) return fail(400, payload.error().code);

  Message message;
  message.team_id = hook->team_id;
  message.channel = hook->channel_id;
  message.ts = state_.next_ts(clock_.unix_seconds());
  message.text = payload->text;
  message.blocks_json = payload->blocks_json;
  message.webhook_id = hook->id;
  state_.messages.push_back(std::move(message));
  answer.response = text_response(200, "ok");
  return answer;
}

}  // namespace bridgebot::emulator
