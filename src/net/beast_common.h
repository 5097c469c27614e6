// Private to src/net: the Asio/Beast includes, namespace aliases and small helpers shared by the
// client, the server and the WebSocket code. Include it only from .cpp files in src/net.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <string>

#include "bridgebot/core/result.h"

namespace bridgebot::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Sets SNI (host names only: RFC 6066 forbids IP literals) and checks that the peer's certificate
// names `host` (DNS or IP SAN). Call before the client handshake.
inline Status prepare_client_tls(TlsStream& stream, const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  const bool is_ip_literal = !ec;
  if (!is_ip_literal && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    return make_error("tls_failed", "cannot set TLS server name for " + host);
  }
  stream.set_verify_callback(ssl::host_name_verification(host));
  return {};
}

// Turns off Nagle's algorithm: our writes are small request/response frames (Socket Mode acks,
// Web API calls) that must leave at once, not wait up to 40 ms for the peer's delayed ACK.
// Best effort: a socket that refuses the option still works, only slower.
inline void set_no_delay(tcp::socket& socket) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
}

// The host plus port as a Host header wants it (the port only when it is not the default).
inline std::string host_header(const std::string& host, std::uint16_t port, bool secure) {
  const bool default_port = (secure && port == 443) || (!secure && port == 80);
  const std::string bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? bracketed : bracketed + ":" + std::to_string(port);
}

// Maps a read/write failure to the codes of http.h (all transient). `what` says what was being
// done, for the message; it must not contain secrets.
inline Error transfer_error(const error_code& ec, const std::string& what) {
  if (ec == beast::error::timeout) return make_error("timeout", what + " timed out", true);
  if (ec == asio::error::eof || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
      ec == ssl::error::stream_truncated) {
    return make_error("connection_closed", what + ": connection closed by peer", true);
  }
  return make_error("io_error", what + ": " + ec.message(), true);
}

}  // namespace bridgebot::net::detail
