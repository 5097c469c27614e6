#include "bridgebot/api/signature.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "bridgebot/core/crypto.h"

namespace bridgebot::api {
namespace {

std::string hmac_hex(std::string_view secret, const std::string& base) {
  return core::hex_encode(core::hmac_sha256(secret, base));
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string sign_v1(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  std::string base = "v1:" + std::to_string(timestamp) + ":";
  base.append(body);
  return "v1=" + hmac_hex(secret, base);
}

std::string sign_v2(std::string_view secret, std::int64_t timestamp, std::string_view method,
                    std::string_view path_with_query, std::string_view body) {
  std::string upper(method);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string base = "v2:" + std::to_string(timestamp) + ":" + upper + ":";
  base.append(path_with_query);
  base += ':';
  base.append(body);
  return "v2=" + hmac_hex(secret, base);
}

bool v1_route(std::string_view method, std::string_view path) {
  return method == "POST" && (path == "/v1/messages" || path == "/v1/notifications");
}

Status verify_request(std::string_view secret, const SignedRequest& request, bool accept_v1,
                      std::int64_t now_unix) {
  const std::string_view ts = request.timestamp_header;
  std::int64_t timestamp = 0;
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), timestamp);
  if (ts.empty() || ec != std::errc{} || end != ts.data() + ts.size()) {
    return make_error("stale_timestamp",
                      "X-Bridge-Timestamp must be the current time in Unix seconds");
  }
  if (timestamp < now_unix - kSignatureWindowSeconds ||
      timestamp > now_unix + kSignatureWindowSeconds) {
    return make_error("stale_timestamp",
                      "X-Bridge-Timestamp is more than 300 s away from the server's clock "
                      "(replayed request, or a clock that needs syncing)");
  }
  const std::string v2 = sign_v2(secret, timestamp, request.method, request.target, request.body);
  const std::string v1 = sign_v1(secret, timestamp, request.body);
  bool verified = false;
  bool refused_v1 = false;
  const std::string_view header = request.signature_header;
  std::size_t start = 0;
  std::size_t comma = 0;
  do {
    comma = header.find(',', start);
    const std::string_view entry =
        trim(header.substr(start, comma == std::string_view::npos ? comma : comma - start));
    // Every entry is compared against both, whatever its prefix, so timing tells nothing.
    const bool v2_match = core::constant_time_equal(v2, entry);
    const bool v1_match = core::constant_time_equal(v1, entry);
    verified = verified || v2_match || (accept_v1 && v1_match);
    refused_v1 = refused_v1 || (!accept_v1 && entry.substr(0, 3) == "v1=");
    start = comma + 1;
  } while (comma != std::string_view::npos);
  if (verified) return Status::success();
  if (refused_v1) {
    return make_error("invalid_signature",
                      "this route needs a v2 X-Bridge-Signature: sign \"v2:\" + timestamp + \":\" "
                      "+ METHOD + \":\" + path_with_query + \":\" + body (v1 is accepted only on "
                      "POST /v1/messages and /v1/notifications while "
                      "platform.accept_v1_signatures is true)");
  }
  return make_error("invalid_signature",
                    "X-Bridge-Signature does not match: sign \"v2:\" + timestamp + \":\" + METHOD "
                    "+ \":\" + path_with_query + \":\" + body with HMAC-SHA256 and "
                    "platform.signing_secret");
}

}  // namespace bridgebot::api
