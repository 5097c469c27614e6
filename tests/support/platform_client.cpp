#include "support/platform_client.h"

#include <rapidjson/document.h>

#include <ctime>

#include "bridgebot/api/signature.h"

namespace bridgebot::test {
namespace {

const rapidjson::Value* member(const rapidjson::Value& object, const std::string& name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name.c_str());
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

PlatformClient::PlatformClient(std::string base_url, std::string signing_secret)
    : base_url_(std::move(base_url)), secret_(std::move(signing_secret)) {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;  // the bot under test listens on loopback without TLS
  options.request_timeout = std::chrono::seconds(30);
  http_ = net::make_http_client(options);
}

PlatformClient::~PlatformClient() = default;

ApiResponse PlatformClient::post(const std::string& path, const std::string& body) const {
  return send("POST", path, body);
}
ApiResponse PlatformClient::put(const std::string& path, const std::string& body) const {
  return send("PUT", path, body);
}
ApiResponse PlatformClient::get(const std::string& path) const {
  return send("GET", path, "");
}
ApiResponse PlatformClient::del(const std::string& path) const {
  return send("DELETE", path, "");
}

ApiResponse PlatformClient::send(const std::string& method, const std::string& path,
                                 const std::string& body, const Signing& signing) const {
  net::ClientRequest request;
  request.method = method;
  request.url = base_url_ + path;
  request.body = body;
  if (!body.empty()) request.headers.set("Content-Type", "application/json");
  if (!signing.omit_headers) {
    const std::int64_t timestamp =
        signing.timestamp.value_or(static_cast<std::int64_t>(std::time(nullptr)));
    request.headers.set("X-Bridge-Timestamp", std::to_string(timestamp));
    const std::string target = net::parse_url(request.url)->target;
    request.headers.set("X-Bridge-Signature",
                        signing.signature.value_or(
                            signing.v1 ? api::sign_v1(secret_, timestamp, body)
                                       : api::sign_v2(secret_, timestamp, method, target, body)));
  }
  auto response = http_->send(request);
  if (!response.ok()) return {0, response.error().to_string()};
  return {response->status, response->body};
}

ApiResponse PlatformClient::get_unsigned(const std::string& path) const {
  Signing unsigned_request;
  unsigned_request.omit_headers = true;
  return send("GET", path, "", unsigned_request);
}

std::string json_string(const std::string& body, const std::string& path) {
  rapidjson::Document document;
  document.Parse(body.c_str(), body.size());
  if (document.HasParseError()) return "";
  const rapidjson::Value* at = &document;
  std::size_t start = 0;
  while (at != nullptr && start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (at->IsArray()) {
      const auto index = static_cast<rapidjson::SizeType>(std::stoul(part));
      at = index < at->Size() ? &(*at)[index] : nullptr;
    } else {
      at = member(*at, part);
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at != nullptr && at->IsString() ? std::string(at->GetString(), at->GetStringLength())
                                         : std::string();
}

int json_array_size(const std::string& body, const std::string& name) {
  rapidjson::Document document;
  document.Parse(body.c_str(), body.size());
  if (document.HasParseError()) return -1;
  const rapidjson::Value* value = member(document, name);
  return value != nullptr && value->IsArray() ? static_cast<int>(value->Size()) : -1;
}

}  // namespace bridgebot::test
