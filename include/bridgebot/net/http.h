// Plain HTTP types and the HttpClient interface. Free of Boost: every layer may include this.
// The Beast-based implementation lives in src/net and is created with make_http_client().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridgebot/core/result.h"

namespace bridgebot::net {

// Header names compare case-insensitively; order is kept.
class Headers {
 public:
  void set(std::string name, std::string value);  // replaces every header of that name
  void add(std::string name, std::string value);  // appends
  void reserve(std::size_t count) { items_.reserve(count); }
  // The first value of that header, or "" when absent.
  std::string get(std::string_view name) const;
  // The same without a copy: valid while these headers live unchanged.
  std::string_view get_view(std::string_view name) const;
  bool has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path plus query, as received or to be sent
  Headers headers;
  std::string body;
  std::string remote_address;  // server side: the peer's "ip:port" (one port per TCP connection)

  // Path without the query string.
  std::string path() const;
  std::string_view path_view() const;  // the same without a copy, valid while `target` is
  // The decoded value of a query parameter, or "" when absent.
  std::string query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
};

// A parsed absolute URL: http, https, ws or wss.
struct Url {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string target = "/";  // path plus query

  bool secure() const { return scheme == "https" || scheme == "wss"; }
};
Result<Url> parse_url(std::string_view text);

// Percent-encoding helpers for form bodies and query strings.
std::string url_encode(std::string_view text);
std::string url_decode(std::string_view text);
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

struct TlsOptions {
  // Extra CA bundle (PEM) trusted in addition to the system CAs. Verification cannot be turned off.
  std::string ca_file;
  // Allow http:// and ws:// URLs (a local emulator only). https and wss are always verified.
  bool allow_plaintext = false;
};

// Looks up a host name's addresses (IP literals, preferred first). Blocking; an error's message
// says why (the client reports it as dns_failed).
using HostLookup = std::function<Result<std::vector<std::string>>(const std::string& host)>;

struct ClientOptions {
  TlsOptions tls;
  // Opening a connection: the host name's lookup and the TCP connect together, then (HTTPS) the
  // TLS handshake once more.
  std::chrono::milliseconds connect_timeout{5'000};
  // Per request, from send() to the whole answer: waiting for a connection, opening one, writing
  // and reading.
  std::chrono::milliseconds request_timeout{15'000};
  std::size_t max_idle_per_host = 8;  // keep-alive pool size per host
  // AsyncHttpClient: connections open at once per host (busy or idle); more requests queue.
  std::size_t max_connections_per_host = 64;
  // How host names are looked up: empty means the system resolver (getaddrinfo). Each lookup runs
  // on a thread of its own (a few at most), so one that hangs holds up no other host's. Tests
  // supply a slow one here.
  HostLookup host_lookup;
};

struct ClientRequest {
  std::string method = "POST";
  std::string url;
  Headers headers;
  std::string body;
  // 0 means ClientOptions::request_timeout.
  std::chrono::milliseconds timeout{0};
};

// Blocking HTTP(S) client with a keep-alive pool: AsyncHttpClient (async_http.h) and a wait for
// its answer, so pooling, limits and timeouts are the same. Thread-safe: call send() from any
// number of threads; beyond max_connections_per_host calls to one host wait their turn, in order.
// Each client runs its own I/O thread. Errors (code, transient=true unless noted):
//   invalid_url (permanent), plaintext_refused (permanent), dns_failed, connect_failed,
//   tls_failed (certificate or handshake; permanent), timeout, connection_closed, io_error,
//   queue_timeout (the timeout ran out while it waited for a connection: it was never sent).
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> send(const ClientRequest& request) = 0;
};

std::unique_ptr<HttpClient> make_http_client(const ClientOptions& options);

}  // namespace bridgebot::net
