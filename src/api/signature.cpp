#include "bridgebot/api/signature.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>

#include "bridgebot/core/crypto.h"

namespace bridgebot::api {
namespace {

constexpr std::size_t kMacBytes = 32;  // HMAC-SHA256

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Calls `visit` with each comma-separated entry of a signature header, trimmed of spaces.
template <class Visit>
void for_each_entry(std::string_view header, Visit visit) {
  std::size_t start = 0;
  std::size_t comma = 0;
  do {
    comma = header.find(',', start);
    visit(trim(header.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    start = comma + 1;
  } while (comma != std::string_view::npos);
}

// The HMACs (raw bytes) of the two signing bases. The body is hashed where it lies, after the
// prefix: a request's body is not copied to be signed.
std::string mac_v1(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  const std::string prefix = "v1:" + std::to_string(timestamp) + ":";
  return core::hmac_sha256_concat(secret, {prefix, body});
}

std::string mac_v2(std::string_view secret, std::int64_t timestamp, std::string_view method,
                   std::string_view path_with_query, std::string_view body) {
  std::string prefix = "v2:" + std::to_string(timestamp) + ":";
  std::transform(method.begin(), method.end(), std::back_inserter(prefix),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  prefix += ':';
  prefix.append(path_with_query);
  prefix += ':';
  return core::hmac_sha256_concat(secret, {prefix, body});
}

// "vN=" and the lowercase hex of a MAC: what a header entry holds when it matches. Built in place
// for each request instead of in strings.
class EntryText {
 public:
  EntryText(char version, std::string_view mac) : valid_(mac.size() == kMacBytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    text_[0] = 'v';
    text_[1] = version;
    text_[2] = '=';
    for (std::size_t i = 0; valid_ && i < kMacBytes; ++i) {
      const auto c = static_cast<unsigned char>(mac[i]);
      text_[3 + 2 * i] = kHex[c >> 4];
      text_[4 + 2 * i] = kHex[c & 0xF];
    }
  }

  // Constant-time; false for any entry when the MAC could not be computed.
  bool matches(std::string_view entry) const {
    return core::constant_time_equal(std::string_view(text_.data(), text_.size()), entry) && valid_;
  }

 private:
  std::array<char, 3 + 2 * kMacBytes> text_{};
  bool valid_;
};

}  // namespace

std::string sign_v1(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  return "v1=" + core::hex_encode(mac_v1(secret, timestamp, body));
}

std::string sign_v2(std::string_view secret, std::int64_t timestamp, std::string_view method,
                    std::string_view path_with_query, std::string_view body) {
  return "v2=" + core::hex_encode(mac_v2(secret, timestamp, method, path_with_query, body));
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
  // A signature is computed only when an entry could equal it, as its prefix tells ("v2=..."
  // never equals a "v1=" one): what is computed depends on what the caller sent and on the route,
  // never on the secret. Each HMAC over the body is a large part of a request's CPU.
  const std::string_view header = request.signature_header;
  bool has_v1_entry = false;
  bool has_v2_entry = false;
  for_each_entry(header, [&](std::string_view entry) {
    has_v1_entry = has_v1_entry || entry.starts_with("v1=");
    has_v2_entry = has_v2_entry || entry.starts_with("v2=");
  });
  const bool check_v1 = accept_v1 && has_v1_entry;
  const EntryText v2(
      '2', has_v2_entry ? mac_v2(secret, timestamp, request.method, request.target, request.body)
                        : std::string());
  const EntryText v1('1', check_v1 ? mac_v1(secret, timestamp, request.body) : std::string());
  bool verified = false;
  bool refused_v1 = false;
  for_each_entry(header, [&](std::string_view entry) {
    // Constant-time comparisons: timing tells nothing of how much of a signature matched.
    const bool v2_match = has_v2_entry && v2.matches(entry);
    const bool v1_match = check_v1 && v1.matches(entry);
    verified = verified || v2_match || v1_match;
    refused_v1 = refused_v1 || (!accept_v1 && entry.substr(0, 3) == "v1=");
  });
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
