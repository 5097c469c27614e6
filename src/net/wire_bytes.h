// Private to src/net: a Beast message's bytes as sent, in one buffer, for the client's requests
// and the server's answers. Beast's serializer writes views over the header's fields and the
// body, and every layer of every write call walks them again: for a message of a few hundred
// bytes, copying the bytes once costs less.
#pragma once

#include <string>

#include "beast_common.h"

namespace bridgebot::net::detail {

// Replaces `out` with the message: its header as Beast writes it (the Fields writer: start line,
// fields, blank line), then its body. For a message prepare_payload gave a Content-Length (never
// chunked). `out` keeps its capacity for the next one.
void write_wire_bytes(const http::request<http::string_body>& message, std::string& out);
void write_wire_bytes(const http::response<http::string_body>& message, std::string& out);

}  // namespace bridgebot::net::detail
