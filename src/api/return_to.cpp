#include "bridgebot/api/return_to.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "bridgebot/net/http.h"

namespace bridgebot::api {
namespace {

Error refused(std::string message) {
  Error e = make_error("invalid_field", std::move(message));
  e.field = "return_to";
  return e;
}

// "scheme://host[:port]" lower-cased, the port only when not the scheme's default; nullopt for
// anything but an http(s) URL.
std::optional<std::string> origin_of(std::string_view url) {
  auto parsed = net::parse_url(url);
  if (!parsed.ok() || (parsed->scheme != "http" && parsed->scheme != "https")) return std::nullopt;
  std::string host = parsed->host;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6 literal
  const std::uint16_t default_port = parsed->scheme == "https" ? 443 : 80;
  std::string origin = parsed->scheme + "://" + host;
  if (parsed->port != default_port) origin += ":" + std::to_string(parsed->port);
  return origin;
}

}  // namespace

Status check_return_to(std::string_view url, const std::vector<std::string>& allowed_origins) {
  if (allowed_origins.empty()) {
    return refused(
        "return_to is refused: this bridge lists no platform.return_to_origins; its operator "
        "must add the platform's origin (e.g. https://platform.example) to the configuration");
  }
  const bool unsafe = std::any_of(url.begin(), url.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F || c == '\\';
  });
  if (unsafe) {
    return refused("return_to must not contain spaces, control characters (CR, LF) or backslashes");
  }
  const auto origin = origin_of(url);
  if (!origin) return refused("return_to must be an http(s) URL of the platform");
  for (const auto& allowed : allowed_origins) {
    if (origin_of(allowed) == origin) return Status::success();
  }
  return refused("return_to must lead back to one of platform.return_to_origins; " + *origin +
                 " is not listed");
}

}  // namespace bridgebot::api
