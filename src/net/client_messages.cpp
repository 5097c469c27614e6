#include "client_messages.h"

#include <utility>

namespace bridgebot::net::detail {

http::request<http::string_body> to_beast_request(ClientRequest request, const Url& url) {
  http::request<http::string_body> message;
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    message.method_string(request.method);
  } else {
    message.method(verb);
  }
  message.target(url.target);
  message.version(11);
  if (!request.headers.has("Host")) {
    message.set(http::field::host, host_header(url.host, url.port, url.secure()));
  }
  if (!request.headers.has("User-Agent")) message.set(http::field::user_agent, "bridgebot");
  for (const auto& [name, value] : request.headers.all()) message.insert(name, value);
  message.body() = std::move(request.body);
  message.keep_alive(true);
  message.prepare_payload();
  return message;
}

HttpResponse from_beast_response(http::response<http::string_body>&& message) {
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

}  // namespace bridgebot::net::detail
