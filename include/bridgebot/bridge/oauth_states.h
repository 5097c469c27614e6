// Single-use, expiring tokens that carry a browser through OAuth: the `state` of "Add to Slack"
// and of personal Connect, and the `t` of a Connect link. A token is the payload sealed with the
// SecretBox (AES-256-GCM: authenticated, so a changed byte is refused, and encrypted, so the email
// and return URL it carries are not readable in URLs). Single use is recorded in the store as the
// lease "oauth_state:<nonce>", taken once, so it holds across processes.
// Thread-safe; consume() blocks on the store.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/result.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

enum class OAuthFlow {
  install,       // GET /slack/install -> Slack -> /slack/oauth_redirect
  connect_link,  // the URL POST /v1/users/{id}/connect hands out (/slack/connect?t=)
  connect,       // /slack/connect -> Slack -> /slack/oauth_redirect
};

struct OAuthStatePayload {
  OAuthFlow flow = OAuthFlow::install;
  // Connect only:
  std::string team_id;
  std::string platform_user_id;
  std::string email;
  std::string return_to;
};

class OAuthStates {
 public:
  // The three references must outlive this object.
  OAuthStates(store::Store& store, const core::SecretBox& box, const core::Clock& clock,
              std::chrono::seconds lifetime = std::chrono::minutes(10));

  // A URL-safe token valid for `lifetime`.
  std::string issue(const OAuthStatePayload& payload) const;
  // The payload of a token issued for one of the `accepted` flows, consuming it. Errors (each
  // with a sentence for the person in the browser): invalid_state (changed, not made by us, or
  // another flow), expired_state, reused_state; store errors.
  Result<OAuthStatePayload> consume(std::string_view token,
                                    std::initializer_list<OAuthFlow> accepted) const;

 private:
  store::Store& store_;
  const core::SecretBox& box_;
  const core::Clock& clock_;
  std::chrono::seconds lifetime_;
};

}  // namespace bridgebot::bridge
