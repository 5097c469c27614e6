// The door to the platform's reply webhook (platform.reply_webhook_url), for the dispatcher's
// "platform_reply" items. Implemented in api/ (it signs as the platform API checks) over net's
// HTTP client; unit tests use a fake.
#pragma once

#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::bridge {

class PlatformReplySender {
 public:
  virtual ~PlatformReplySender() = default;
  // POSTs `body` (the reply JSON) signed with v2. ok on a 2xx answer; a transient error (5xx,
  // 408, 429 with retry_after from Retry-After, network) to retry later; a permanent one for
  // any other answer. Thread-safe; blocks on the network.
  virtual Status send(std::string_view body) = 0;
};

}  // namespace bridgebot::bridge
