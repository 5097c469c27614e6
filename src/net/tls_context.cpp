// OpenSSL context construction. Peer verification is always on: there is deliberately no way to
// turn it off.
#include "tls_context.h"

#include <boost/asio/buffer.hpp>

namespace bridgebot::net::detail {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> make_client_tls_context(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  if (!ec) context->set_default_verify_paths(ec);
  if (!ec && !options.ca_file.empty()) context->load_verify_file(options.ca_file, ec);
  if (!ec) context->set_verify_mode(ssl::verify_peer, ec);
  if (ec) {
    return make_error("tls_failed", "cannot set up TLS trust (ca_file '" + options.ca_file +
                                        "'): " + ec.message());
  }
  return context;
}

Result<std::shared_ptr<ssl::context>> make_server_tls_context(
    const std::string& certificate_chain_pem, const std::string& private_key_pem) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  if (!ec) {
    context->use_certificate_chain(
        boost::asio::buffer(certificate_chain_pem.data(), certificate_chain_pem.size()), ec);
  }
  if (!ec) {
    context->use_private_key(boost::asio::buffer(private_key_pem.data(), private_key_pem.size()),
                             ssl::context::pem, ec);
  }
  if (ec) return make_error("tls_failed", "invalid server certificate or key: " + ec.message());
  return context;
}

}  // namespace bridgebot::net::detail
