// Private to src/net: building the OpenSSL contexts for clients and for the server.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"

namespace bridgebot::net::detail {

// A client context that trusts the system CAs plus options.ca_file and always verifies the peer.
// Host name verification is per connection (prepare_client_tls in beast_common.h).
// Errors: tls_failed (permanent) when the CA file cannot be loaded.
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const TlsOptions& options);

// A server context from PEM text. Errors: tls_failed (permanent).
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::string& certificate_chain_pem, const std::string& private_key_pem);

}  // namespace bridgebot::net::detail
