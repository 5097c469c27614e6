// Request signing of the platform API (v1): the same shape as Slack's X-Slack-Signature.
//   X-Bridge-Timestamp: <unix seconds>
//   X-Bridge-Signature: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + raw_body)>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::api {

inline constexpr std::int64_t kSignatureWindowSeconds = 300;

// The X-Bridge-Signature value for a body (used by clients, the sandbox and tests).
std::string sign_request(std::string_view secret, std::int64_t timestamp, std::string_view body);

// ok, or stale_timestamp (missing, malformed or outside the window) / invalid_signature.
// The comparison is constant-time.
Status verify_request(std::string_view secret, std::string_view timestamp_header,
                      std::string_view signature_header, std::string_view body,
                      std::int64_t now_unix);

}  // namespace bridgebot::api
