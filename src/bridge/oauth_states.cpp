#include "bridgebot/bridge/oauth_states.h"

#include <optional>

#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"

namespace bridgebot::bridge {
namespace {

constexpr std::string_view kContext = "oauth_state";

std::string_view flow_name(OAuthFlow flow) {
  switch (flow) {
    case OAuthFlow::install:
      return "install";
    case OAuthFlow::connect_link:
      return "connect_link";
    case OAuthFlow::connect:
      return "connect";
  }
  return "";
}

Error invalid_state() {
  return make_error("invalid_state",
                    "this link is not valid (it was changed or not made by this bridge): start "
                    "again from the beginning");
}

}  // namespace

OAuthStates::OAuthStates(store::Store& store, const core::SecretBox& box, const core::Clock& clock,
                         std::chrono::seconds lifetime, std::int64_t max_live)
    : store_(store), box_(box), clock_(clock), lifetime_(lifetime), max_live_(max_live) {}

Result<std::string> OAuthStates::issue(const OAuthStatePayload& payload) const {
  const auto now = clock_.unix_seconds();
  const auto expires = now + lifetime_.count();
  const std::string nonce = core::random_token(16);
  const std::string json =
      "{\"f\":" + core::json_quote(flow_name(payload.flow)) + ",\"n\":" + core::json_quote(nonce) +
      ",\"x\":" + std::to_string(expires) + ",\"t\":" + core::json_quote(payload.team_id) +
      ",\"u\":" + core::json_quote(payload.platform_user_id) +
      ",\"e\":" + core::json_quote(payload.email) +
      ",\"r\":" + core::json_quote(payload.return_to) + "}";
  auto sealed = box_.seal(json, kContext);
  if (!sealed.ok()) return sealed.error();
  auto recorded = store_.put_oauth_state(nonce, expires, now, max_live_);
  if (!recorded.ok()) return recorded.error();
  if (!*recorded) {
    return make_error("too_many_sign_ins",
                      "too many sign-ins with Slack are under way right now: try again in a few "
                      "minutes",
                      true);
  }
  return core::base64url_encode(*sealed);
}

Result<OAuthStatePayload> OAuthStates::consume(std::string_view token,
                                               std::initializer_list<OAuthFlow> accepted) const {
  auto raw = core::base64url_decode(token);
  if (!raw.ok()) return invalid_state();
  auto json = box_.open(*raw, kContext);
  if (!json.ok()) return invalid_state();
  auto doc = core::parse_json(*json);
  if (!doc.ok() || !doc->IsObject()) return invalid_state();
  auto flow = core::json_string(*doc, "f");
  auto nonce = core::json_string(*doc, "n");
  auto expires = core::json_int(*doc, "x");
  std::optional<OAuthFlow> matched;
  for (OAuthFlow candidate : accepted) {
    if (flow && *flow == flow_name(candidate)) matched = candidate;
  }
  if (!matched || !nonce || nonce->empty() || !expires) return invalid_state();
  const auto now = clock_.unix_seconds();
  if (now > *expires) {
    return make_error("expired_state",
                      "this link expired (links work for 10 minutes): start again");
  }
  // Taken once: the first consume deletes the nonce's row.
  auto first = store_.take_oauth_state(*nonce, now);
  if (!first.ok()) return first.error();
  if (!*first) {
    return make_error("reused_state", "this link was already used: start again to get a new one");
  }
  OAuthStatePayload payload;
  payload.flow = *matched;
  payload.team_id = core::json_string_or(*doc, "t");
  payload.platform_user_id = core::json_string_or(*doc, "u");
  payload.email = core::json_string_or(*doc, "e");
  payload.return_to = core::json_string_or(*doc, "r");
  return payload;
}

}  // namespace bridgebot::bridge
