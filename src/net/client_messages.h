// Private to src/net: ClientRequest/HttpResponse to and from Beast messages, for the HTTP client.
#pragma once

#include <cstdint>

#include "beast_common.h"
#include "bridgebot/net/http.h"

namespace bridgebot::net::detail {

// Larger response bodies are refused (io_error) rather than buffered without bound.
constexpr std::uint64_t kMaxResponseBodyBytes = 64ull * 1024 * 1024;

// The request as sent to `url` (which is request.url parsed): HTTP/1.1, keep-alive, Host and
// User-Agent unless the caller set them.
http::request<http::string_body> to_beast_request(ClientRequest request, const Url& url);

HttpResponse from_beast_response(http::response<http::string_body>&& message);

}  // namespace bridgebot::net::detail
