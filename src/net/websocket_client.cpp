// connect_websocket(): look the host up, connect, TLS, WebSocket handshake, each step started on
// the process-wide client pool (the lookup on a HostLookups thread, host_lookups.h) and awaited on
// the calling thread; the live connection then runs on the pool.
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <vector>

#include "beast_common.h"
#include "bridgebot/net/websocket.h"
#include "client_io_pool.h"
#include "host_lookups.h"
#include "tls_context.h"
#include "websocket_session.h"

namespace bridgebot::net {
namespace {

using namespace detail;
using Clock = std::chrono::steady_clock;  // Beast's stream timers' clock

// Lookups of host names at once for WebSocket connects, each on a thread of its own.
constexpr std::size_t kMaxLookupThreads = 2;

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

// The system resolver's lookups are shared by every connect for the life of the process, so a
// reconnect while an earlier lookup of that name still hangs joins it rather than adding a
// thread. A lookup the caller supplied (tests) serves that connect only.
std::shared_ptr<HostLookups> lookups_for(const WebSocketClientOptions& options) {
  if (options.host_lookup) return std::make_shared<HostLookups>(options.host_lookup, 1);
  static auto* system = new std::shared_ptr<HostLookups>(
      std::make_shared<HostLookups>(system_lookup, kMaxLookupThreads));
  return *system;
}

// The addresses of `url`'s host by `deadline`: an IP literal as it is, a name looked up on a
// lookup thread, since getaddrinfo has no timeout of its own and would hold the caller (the Socket
// Mode thread) for as long as a name server that never answers takes.
Result<std::vector<tcp::endpoint>> look_up(const Url& url, const WebSocketClientOptions& options,
                                           Clock::time_point deadline) {
  error_code not_an_address;
  const auto address = asio::ip::make_address(url.host, not_an_address);
  if (!not_an_address) return std::vector<tcp::endpoint>{tcp::endpoint(address, url.port)};

  const auto started = Clock::now();
  auto answer = std::make_shared<std::promise<HostLookups::Answer>>();
  auto future = answer->get_future();
  const auto lookups = lookups_for(options);
  lookups->find(url.host, [answer](const HostLookups::Answer& found) { answer->set_value(found); });
  if (future.wait_until(deadline) != std::future_status::ready) {
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return make_error(
        "dns_failed",
        "looking up " + url.host + " timed out after " + std::to_string(waited.count()) + " ms",
        true);
  }
  const auto found = future.get();
  if (!found) {
    return make_error("dns_failed", "cannot resolve " + url.host + ": " + found.error().message,
                      true);
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& text : *found) {
    error_code invalid;
    const auto each = asio::ip::make_address(text, invalid);
    if (!invalid) endpoints.emplace_back(each, url.port);
  }
  if (endpoints.empty()) return make_error("dns_failed", "no address found for " + url.host, true);
  return endpoints;
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
    const Url& url, const std::vector<tcp::endpoint>& endpoints, Clock::time_point connect_by,
    const WebSocketClientOptions& options, std::shared_ptr<WebSocketHandler> handler,
    StreamArgs&&... stream_args) {
  const std::string where = url.host + ":" + std::to_string(url.port);
  auto session = std::make_shared<WebSocketSession<NextLayer>>(
      std::move(handler), Liveness{options.ping_interval, options.idle_timeout}, nullptr,
      asio::make_strand(client_io_context()), std::forward<StreamArgs>(stream_args)...);
  auto& ws = session->stream();
  auto& tcp_layer = beast::get_lowest_layer(ws);

  tcp_layer.expires_at(connect_by);
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
    // handshake_timeout bounds the lookup and the TCP connect together.
    const auto connect_by = Clock::now() + options.handshake_timeout;
    const auto endpoints = look_up(*url, options, connect_by);
    if (!endpoints) return endpoints.error();
    if (!url->secure()) {
      return connect_over<PlainStream>(*url, *endpoints, connect_by, options, std::move(handler));
    }
    auto context = shared_client_tls_context(options.tls);
    if (!context) return context.error();
    return connect_over<TlsStream>(*url, *endpoints, connect_by, options, std::move(handler),
                                   **context);
  } catch (const std::exception& e) {
    // Allocation failure or a broken promise: nothing a caller could fix, but it must not escape.
    return make_error("io_error", std::string("WebSocket connect failed: ") + e.what(), true);
  }
}

}  // namespace bridgebot::net
