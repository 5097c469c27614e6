// The door to the platform's reply webhook (platform.reply_webhook_url), for the dispatcher's
// "platform_reply" items. Implemented in api/ (it signs as the platform API checks) over net's
// asynchronous HTTP client.
#pragma once

#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/core/task.h"

namespace bridgebot::bridge {

class PlatformReplySender {
 public:
  virtual ~PlatformReplySender() = default;
  // POSTs `body` (the reply JSON) signed with v2. ok on a 2xx answer; a transient error (5xx,
  // 408, 429 with retry_after from Retry-After, network) to retry later; a permanent one for
  // any other answer. Thread-safe. A coroutine for a core::Executor thread: it holds no thread
  // while the platform answers.
  virtual core::Task<Status> send(std::string body) = 0;
};

}  // namespace bridgebot::bridge
