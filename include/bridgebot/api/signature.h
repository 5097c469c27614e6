// Request signing of the platform API (platform-api.md, Authentication). Two versions:
//   X-Bridge-Timestamp: <unix seconds>
//   X-Bridge-Signature: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + raw_body)>
//   X-Bridge-Signature: v2=<hex HMAC-SHA256(secret, "v2:" + timestamp + ":" + METHOD + ":" +
//                                                   path_with_query + ":" + raw_body)>
// The header may carry several comma-separated entries ("v1=…,v2=…"). v1 does not bind the
// request line, so it is accepted only where a replay changes nothing (see v1_route).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::api {

inline constexpr std::int64_t kSignatureWindowSeconds = 300;

// "v1=<hex>" for a body (tests that exercise the old scheme, and platforms that still send it).
std::string sign_v1(std::string_view secret, std::int64_t timestamp, std::string_view body);
// "v2=<hex>" for a request: `method` as sent (upper-cased here), `path_with_query` the request
// target exactly as sent (e.g. "/v1/users/p-bob/link?team_id=T0001"). Clients, the sandbox, tests
// and the reply webhook sign with this.
std::string sign_v2(std::string_view secret, std::int64_t timestamp, std::string_view method,
                    std::string_view path_with_query, std::string_view body);

// The request as its signature sees it.
struct SignedRequest {
  std::string_view method;
  std::string_view target;  // path plus query, as received
  std::string_view timestamp_header;
  std::string_view signature_header;
  std::string_view body;
};

// Whether the contract lets this route take a v1 signature at all: POST /v1/messages and
// POST /v1/notifications, whose bodies carry the idempotency id. `path` is without the query.
bool v1_route(std::string_view method, std::string_view path);

// ok, or stale_timestamp (missing, malformed or outside the window) / invalid_signature. Accepts
// when one entry of the header verifies: a v2 entry always, a v1 entry only with `accept_v1`.
// Every comparison is constant-time.
Status verify_request(std::string_view secret, const SignedRequest& request, bool accept_v1,
                      std::int64_t now_unix);

}  // namespace bridgebot::api
