#include "wire_bytes.h"

namespace bridgebot::net::detail {
namespace {

void write(const http::fields::writer& header, const std::string& body, std::string& out) {
  out.clear();
  const auto buffers = header.get();
  out.reserve(beast::buffer_bytes(buffers) + body.size());
  for (const auto buffer : beast::buffers_range_ref(buffers)) {
    out.append(static_cast<const char*>(buffer.data()), buffer.size());
  }
  out.append(body);
}

}  // namespace

void write_wire_bytes(const http::request<http::string_body>& message, std::string& out) {
  write(http::fields::writer(message, message.version(), message.method()), message.body(), out);
}

void write_wire_bytes(const http::response<http::string_body>& message, std::string& out) {
  write(http::fields::writer(message, message.version(), message.result_int()), message.body(),
        out);
}

}  // namespace bridgebot::net::detail
