// A platform as the bridge sees it: HTTP requests to bridgebot's platform API, signed with the
// shared secret (X-Bridge-Timestamp / X-Bridge-Signature) unless a test forges them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bridgebot/net/http.h"

namespace bridgebot::test {

struct ApiResponse {
  int status = 0;  // 0: the request did not get an answer (body says why)
  std::string body;
};

// What to put in the signature headers instead of a correct signature of now.
struct Signing {
  std::optional<std::int64_t> timestamp;  // default: now
  std::optional<std::string> signature;   // default: the right one for the timestamp and body
  bool omit_headers = false;
  bool v1 = false;  // sign with the old scheme (timestamp + body only) instead of v2
};

class PlatformClient {
 public:
  PlatformClient(std::string base_url, std::string signing_secret);
  ~PlatformClient();

  ApiResponse post(const std::string& path, const std::string& body) const;
  ApiResponse put(const std::string& path, const std::string& body) const;
  ApiResponse get(const std::string& path) const;
  ApiResponse del(const std::string& path) const;
  // Any method, with control over the signature headers.
  ApiResponse send(const std::string& method, const std::string& path, const std::string& body,
                   const Signing& signing = {}) const;
  // An unsigned GET (health endpoints).
  ApiResponse get_unsigned(const std::string& path) const;

  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }

 private:
  std::string base_url_;
  std::string secret_;
  std::unique_ptr<net::HttpClient> http_;
};

// A member of a JSON object body as text ("" when absent or not a string); `path` may go one
// level into an array of objects: "deliveries.0.role".
std::string json_string(const std::string& body, const std::string& path);
// The size of an array member ("deliveries"), -1 when absent.
int json_array_size(const std::string& body, const std::string& member);

}  // namespace bridgebot::test
