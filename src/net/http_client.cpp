// make_http_client(): a blocking HTTP(S) client over Beast. Each pooled connection owns a small
// io_context; a call runs that io_context on the calling thread, so timeouts use the streams'
// expires_after() and no background thread is needed.
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "beast_common.h"
#include "bridgebot/net/http.h"
#include "client_messages.h"
#include "tls_context.h"

namespace bridgebot::net {
namespace {

using namespace detail;

// One keep-alive connection. Not thread-safe: used by one send() at a time, or parked in the pool.
// Member order matters: the io_context must outlive the streams bound to it.
struct Connection {
  asio::io_context io;
  std::optional<PlainStream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Calls `operation` with the outermost stream (TLS or plain).
  template <class Operation>
  void with_stream(Operation&& operation) {
    if (tls) {
      operation(*tls);
    } else {
      operation(*plain);
    }
  }
};

// Starts one asynchronous operation and runs `io` on this thread until it has completed.
template <class Start>
error_code run_to_completion(asio::io_context& io, Start&& start) {
  error_code result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// What one request/response exchange on a connection gave.
struct Exchange {
  Result<HttpResponse> response = make_error("io_error");
  bool connection_reusable = false;
  // Failed before any byte of the response arrived, for a reason other than a timeout: on a
  // pooled connection this means the peer had closed it while it sat idle.
  bool failed_before_response = false;
};

class BeastHttpClient final : public HttpClient {
 public:
  explicit BeastHttpClient(const ClientOptions& options)
      : options_(options), tls_context_(make_client_tls_context(options.tls)) {}

  Result<HttpResponse> send(const ClientRequest& request) override {
    auto url = parse_url(request.url);
    if (!url) return url.error();
    if (url->scheme != "http" && url->scheme != "https") {
      return make_error("invalid_url", "an HTTP request needs an http:// or https:// URL");
    }
    if (!url->secure() && !options_.tls.allow_plaintext) {
      return make_error("plaintext_refused", "refusing plain http:// to " + url->host +
                                                 " (use https, or allow_plaintext for a local "
                                                 "emulator)");
    }
    auto message = to_beast_request(request, *url);
    const auto timeout = request.timeout.count() > 0 ? request.timeout : options_.request_timeout;
    const std::string key = url->scheme + "://" + url->host + ":" + std::to_string(url->port);

    if (auto pooled = take_idle(key)) {
      Exchange exchange = perform(*pooled, message, timeout);
      if (!exchange.failed_before_response) return finish(key, std::move(pooled), exchange);
      // The idle connection was dead: retry once on a fresh one.
    }
    auto fresh = open_connection(*url);
    if (!fresh) return fresh.error();
    Exchange exchange = perform(**fresh, message, timeout);
    return finish(key, std::move(*fresh), exchange);
  }

 private:
  std::unique_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = idle_.find(key);
    if (found == idle_.end() || found->second.empty()) return nullptr;
    auto connection = std::move(found->second.back());
    found->second.pop_back();
    return connection;
  }

  Result<HttpResponse> finish(const std::string& key, std::unique_ptr<Connection> connection,
                              Exchange& exchange) {
    if (exchange.connection_reusable && connection->buffer.size() == 0) {
      std::lock_guard lock(mutex_);
      auto& parked = idle_[key];
      if (parked.size() < options_.max_idle_per_host) parked.push_back(std::move(connection));
    }
    return std::move(exchange.response);
  }

  Result<std::unique_ptr<Connection>> open_connection(const Url& url) {
    const std::string where = url.host + ":" + std::to_string(url.port);
    if (url.secure() && !tls_context_) return tls_context_.error();

    auto connection = std::make_unique<Connection>();
    tcp::resolver resolver(connection->io);
    error_code ec;
    const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec)
      return make_error("dns_failed", "cannot resolve " + url.host + ": " + ec.message(), true);

    if (url.secure()) {
      connection->tls.emplace(connection->io, **tls_context_);
    } else {
      connection->plain.emplace(connection->io);
    }
    connection->tcp().expires_after(options_.connect_timeout);
    ec = run_to_completion(connection->io,
                           [&](auto done) { connection->tcp().async_connect(endpoints, done); });
    if (ec == beast::error::timeout) {
      return make_error("timeout", "connecting to " + where + " timed out", true);
    }
    if (ec)
      return make_error("connect_failed", "cannot connect to " + where + ": " + ec.message(), true);
    set_no_delay(connection->tcp().socket());

    if (connection->tls) {
      if (auto prepared = prepare_client_tls(*connection->tls, url.host); !prepared) {
        return prepared.error();
      }
      connection->tcp().expires_after(options_.connect_timeout);
      ec = run_to_completion(connection->io, [&](auto done) {
        connection->tls->async_handshake(ssl::stream_base::client, done);
      });
      if (ec == beast::error::timeout) {
        return make_error("timeout", "TLS handshake with " + where + " timed out", true);
      }
      if (ec) return make_error("tls_failed", "TLS with " + where + " failed: " + ec.message());
    }
    return connection;
  }

  // Writes `message` and reads the response, all within `timeout`.
  static Exchange perform(Connection& connection, http::request<http::string_body>& message,
                          std::chrono::milliseconds timeout) {
    Exchange exchange;
    connection.tcp().expires_after(timeout);
    error_code ec = run_to_completion(connection.io, [&](auto done) {
      connection.with_stream([&](auto& stream) { http::async_write(stream, message, done); });
    });
    if (ec) {
      exchange.response = transfer_error(ec, "sending the request");
      exchange.failed_before_response = ec != beast::error::timeout;
      return exchange;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBodyBytes);
    if (message.method() == http::verb::head) parser.skip(true);
    ec = run_to_completion(connection.io, [&](auto done) {
      connection.with_stream(
          [&](auto& stream) { http::async_read(stream, connection.buffer, parser, done); });
    });
    if (ec) {
      exchange.response = transfer_error(ec, "reading the response");
      exchange.failed_before_response = ec != beast::error::timeout && !parser.got_some();
      return exchange;
    }
    connection.tcp().expires_never();
    exchange.connection_reusable = parser.get().keep_alive();
    exchange.response = from_beast_response(parser.release());
    return exchange;
  }

  const ClientOptions options_;
  const Result<std::shared_ptr<ssl::context>> tls_context_;
  std::mutex mutex_;  // guards idle_
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> make_http_client(const ClientOptions& options) {
  return std::make_unique<BeastHttpClient>(options);
}

}  // namespace bridgebot::net
