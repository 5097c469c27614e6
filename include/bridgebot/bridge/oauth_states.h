// Single-use, expiring tokens that carry a browser through OAuth: the `state` of "Add to Slack"
// and of personal Connect, and the `t` of a Connect link. A token is the payload sealed with the
// SecretBox (AES-256-GCM: authenticated, so a changed byte is refused, and encrypted, so the email
// and return URL it carries are not readable in URLs). Each issued token's nonce is a store row
// until the token is used (deleted at once, also when the person cancelled on Slack's page) or
// expires (deleted by a later issue), so it is single-use across processes, and anonymous
// "Add to Slack" clicks cannot grow the store: at most max_live tokens are outstanding.
// Thread-safe; both calls block on the store.
#pragma once

#include <chrono>
#include <cstdint>
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
              std::chrono::seconds lifetime = std::chrono::minutes(10),
              std::int64_t max_live = 10'000);

  // A URL-safe token valid for `lifetime`. Errors: too_many_sign_ins (transient: max_live tokens
  // are outstanding, e.g. under a flood of anonymous clicks), store errors.
  Result<std::string> issue(const OAuthStatePayload& payload) const;
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
  std::int64_t max_live_;
};

}  // namespace bridgebot::bridge
