// `bridgebot send`: signs and posts one mention message to a running bridgebot, the way the
// platform would. Handy with the sandbox and for checking a deployment's signing secret.
#include <ctime>
#include <iostream>

#include "bridgebot/api/signature.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"
#include "bridgebot/net/http.h"
#include "commands.h"

namespace bridgebot::cli {

int send(const SendOptions& o) {
  const std::string id = o.id.empty() ? "cli-" + core::random_token(9) : o.id;
  const std::string body =
      "{\"id\":" + core::json_quote(id) + ",\"sender\":{\"id\":" + core::json_quote(o.from_email) +
      ",\"email\":" + core::json_quote(o.from_email) +
      ",\"name\":" + core::json_quote(o.from_name.empty() ? o.from_email : o.from_name) +
      ",\"external\":" + (o.external ? "true" : "false") +
      "},\"mentions\":[{\"type\":\"user\",\"id\":" + core::json_quote(o.to_email) +
      ",\"email\":" + core::json_quote(o.to_email) + "}],\"text\":" + core::json_quote(o.text) +
      ",\"url\":\"https://platform.example/messages/" + id + "\"}";
  const auto now = static_cast<std::int64_t>(std::time(nullptr));

  net::ClientOptions options;
  options.tls.allow_plaintext = true;  // a local bridgebot; https is verified as always
  auto http = net::make_http_client(options);
  net::ClientRequest request;
  request.method = "POST";
  request.url = o.api + "/v1/messages";
  const auto url = net::parse_url(request.url);
  if (!url.ok()) {
    std::cerr << "--api " << o.api << ": " << url.error().message << "\n";
    return 1;
  }
  request.headers.set("Content-Type", "application/json");
  request.headers.set("X-Bridge-Timestamp", std::to_string(now));
  // v2 binds the request line: the target exactly as sent, so a path prefix in --api is signed too.
  request.headers.set("X-Bridge-Signature", api::sign_v2(o.secret, now, "POST", url->target, body));
  request.body = body;
  auto response = http->send(request);
  if (!response.ok()) {
    std::cerr << "cannot reach " << o.api << ": " << response.error().to_string() << "\n";
    return 1;
  }
  std::cout << response->status << " " << response->body << "\n";
  return response->status < 300 ? 0 : 1;
}

}  // namespace bridgebot::cli
