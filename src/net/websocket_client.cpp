// connect_websocket(): resolve, connect, TLS, WebSocket handshake, each step started on the
// process-wide client pool and awaited on the calling thread; the live connection then runs on
// the pool.
#include <future>
#include <map>
#include <mutex>

#include "beast_common.h"
#include "bridgebot/net/websocket.h"
#include "client_io_pool.h"
#include "tls_context.h"
#include "websocket_session.h"

namespace bridgebot::net {
namespace {

using namespace detail;

// Client TLS contexts, one per CA file, kept for the life of the process: connections on the pool
// may outlive every caller, and loading the system CAs on each reconnect would be wasteful.
Result<std::shared_ptr<ssl::context>> shared_client_tls_context(const TlsOptions& options) {
  static std::mutex mutex;
  static auto* contexts = new std::map<std::string, std::shared_ptr<ssl::context>>();
  std::lock_guard lock(mutex);
  if (auto found = contexts->find(options.ca_file); found != contexts->end()) return found->second;
  auto context = make_client_tls_context(options);
  if (context) contexts->emplace(options.ca_file, *context);
  return context;
}

// Starts one asynchronous operation on the pool and blocks this thread until it completed.
// `keep_alive` (the session) is released on the pool thread, after its handler has returned.
template <class Start>
error_code wait_for(std::shared_ptr<void> keep_alive, Start&& start) {
  auto done = std::make_shared<std::promise<error_code>>();
  auto result = done->get_future();
  start([done, keep_alive = std::move(keep_alive)](error_code ec, auto&&...) {
    done->set_value(ec);
  });
  return result.get();
}

template <class NextLayer, class... StreamArgs>
Result<std::shared_ptr<WebSocketConnection>> connect_over(
    const Url& url, const tcp::resolver::results_type& endpoints,
    const WebSocketClientOptions& options, std::shared_ptr<WebSocketHandler> handler,
    StreamArgs&&... stream_args) {
  const std::string where = url.host + ":" + std::to_string(url.port);
  auto session = std::make_shared<WebSocketSession<NextLayer>>(
      std::move(handler), Liveness{options.ping_interval, options.idle_timeout}, nullptr,
      asio::make_strand(client_io_context()), std::forward<StreamArgs>(stream_args)...);
  auto& ws = session->stream();
  auto& tcp_layer = beast::get_lowest_layer(ws);

  tcp_layer.expires_after(options.handshake_timeout);
  error_code ec =
      wait_for(session, [&](auto done) { tcp_layer.async_connect(endpoints, std::move(done)); });
  if (ec == beast::error::timeout) {
    return make_error("timeout", "connecting to " + where + " timed out", true);
  }
  if (ec)
    return make_error("connect_failed", "cannot connect to " + where + ": " + ec.message(), true);
  set_no_delay(tcp_layer.socket());

  if constexpr (std::is_same_v<NextLayer, TlsStream>) {
    if (auto prepared = prepare_client_tls(ws.next_layer(), url.host); !prepared) {
      return prepared.error();
    }
    tcp_layer.expires_after(options.handshake_timeout);
    ec = wait_for(session, [&](auto done) {
      ws.next_layer().async_handshake(ssl::stream_base::client, std::move(done));
    });
    if (ec == beast::error::timeout) {
      return make_error("timeout", "TLS handshake with " + where + " timed out", true);
    }
    if (ec) return make_error("tls_failed", "TLS with " + where + " failed: " + ec.message());
  }

  // From here on the WebSocket stream manages its own timeouts.
  tcp_layer.expires_never();
  ws.set_option(websocket::stream_base::timeout{options.handshake_timeout,
                                                websocket::stream_base::none(), false});
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& request) { request.set(http::field::user_agent, "bridgebot"); }));
  const std::string host = host_header(url.host, url.port, url.secure());
  ec = wait_for(session, [&](auto done) { ws.async_handshake(host, url.target, std::move(done)); });
  if (ec == beast::error::timeout) {
    return make_error("timeout", "WebSocket handshake with " + where + " timed out", true);
  }
  if (ec) {
    return make_error("handshake_failed",
                      "WebSocket handshake with " + where + " failed: " + ec.message(), true);
  }

  // on_open runs on the connection's strand, and before we return (see websocket.h).
  auto opened = std::make_shared<std::promise<void>>();
  auto opened_future = opened->get_future();
  asio::post(ws.get_executor(), [session, opened] {
    session->open();
    opened->set_value();
  });
  opened_future.wait();
  return std::shared_ptr<WebSocketConnection>(session);
}

}  // namespace

Result<std::shared_ptr<WebSocketConnection>> connect_websocket(
    const std::string& url_text, const WebSocketClientOptions& options,
    std::shared_ptr<WebSocketHandler> handler) {
  auto url = parse_url(url_text);
  if (!url) return url.error();
  if (url->scheme != "ws" && url->scheme != "wss") {
    return make_error("invalid_url", "a WebSocket needs a ws:// or wss:// URL");
  }
  if (!url->secure() && !options.tls.allow_plaintext) {
    return make_error("plaintext_refused", "refusing plain ws:// to " + url->host +
                                               " (use wss, or allow_plaintext for a local "
                                               "emulator)");
  }
  if (on_client_io_thread()) {
    return make_error("wrong_thread",
                      "connect_websocket blocks: call it from your own thread, not from a "
                      "WebSocketHandler callback");
  }
  try {
    tcp::resolver resolver(client_io_context());
    error_code ec;
    const auto endpoints = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (ec) {
      return make_error("dns_failed", "cannot resolve " + url->host + ": " + ec.message(), true);
    }
    if (!url->secure()) {
      return connect_over<PlainStream>(*url, endpoints, options, std::move(handler));
    }
    auto context = shared_client_tls_context(options.tls);
    if (!context) return context.error();
    return connect_over<TlsStream>(*url, endpoints, options, std::move(handler), **context);
  } catch (const std::exception& e) {
    // Allocation failure or a broken promise: nothing a caller could fix, but it must not escape.
    return make_error("io_error", std::string("WebSocket connect failed: ") + e.what(), true);
  }
}

}  // namespace bridgebot::net
