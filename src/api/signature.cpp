#include "bridgebot/api/signature.h"

#include <charconv>

#include "bridgebot/core/crypto.h"

namespace bridgebot::api {

std::string sign_request(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  std::string base = "v1:" + std::to_string(timestamp) + ":";
  base.append(body);
  return "v1=" + core::hex_encode(core::hmac_sha256(secret, base));
}

Status verify_request(std::string_view secret, std::string_view timestamp_header,
                      std::string_view signature_header, std::string_view body,
                      std::int64_t now_unix) {
  std::int64_t timestamp = 0;
  auto [end, ec] = std::from_chars(timestamp_header.data(),
                                   timestamp_header.data() + timestamp_header.size(), timestamp);
  if (timestamp_header.empty() || ec != std::errc{} ||
      end != timestamp_header.data() + timestamp_header.size()) {
    return make_error("stale_timestamp",
                      "X-Bridge-Timestamp must be the current time in Unix seconds");
  }
  if (timestamp < now_unix - kSignatureWindowSeconds ||
      timestamp > now_unix + kSignatureWindowSeconds) {
    return make_error("stale_timestamp",
                      "X-Bridge-Timestamp is more than 300 s away from the server's clock "
                      "(replayed request, or a clock that needs syncing)");
  }
  // Always compute and compare, even for a malformed header, so timing tells nothing.
  const std::string expected = sign_request(secret, timestamp, body);
  if (!core::constant_time_equal(expected, signature_header)) {
    return make_error("invalid_signature",
                      "X-Bridge-Signature does not match: sign \"v1:\" + timestamp + \":\" + body "
                      "with HMAC-SHA256 and platform.signing_secret");
  }
  return Status::success();
}

}  // namespace bridgebot::api
