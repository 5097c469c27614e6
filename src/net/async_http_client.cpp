// make_async_http_client(): HTTP(S) over Beast with a keep-alive pool per host. The client has a
// Pool per event loop (loop_set.h); the loop's one thread runs that pool's connections and owns
// all its state, so nothing here takes a lock: send() only posts to a loop.
//
// A request goes start() -> its host's FIFO -> dispatch() onto an idle connection, or onto a new
// one (look the host up -> connect -> TLS handshake) while the host is under its connection limit
// -> exchange() (write, read) -> finished() parks the connection for the next request, or failed()
// drops it. Each asynchronous step's handler holds the connection by shared_ptr, and the
// connection its pool; a connection whose `call` is gone was abandoned (shutdown, a timeout) and
// its late handlers just return.
//
// A call's timeout is a deadline from send(): it bounds its wait in the FIFO (expire_waiting()),
// opening a connection for it, and its exchange. Host names are looked up on HostLookups' threads
// (host_lookups.h), never on a loop, each lookup bounded here by the connect timeout.
#include <boost/asio/post.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "beast_common.h"
#include "bridgebot/net/async_http.h"
#include "bridgebot/net/event_loops.h"
#include "client_messages.h"
#include "host_lookups.h"
#include "loop_set.h"
#include "tls_context.h"
#include "wire_bytes.h"

namespace bridgebot::net {
namespace {

using namespace detail;
using Clock = std::chrono::steady_clock;  // asio::steady_timer's and Beast's stream timers' clock

// Lookups of host names at once per client, each on a thread of its own: enough that a few hung
// name servers leave the other hosts' lookups running.
constexpr std::size_t kMaxLookupThreads = 4;

// One request, from send() until its `done` has run.
struct Call {
  std::string request;  // its bytes on the wire (write_wire_bytes)
  bool head = false;    // a HEAD request: the answer has no body
  std::chrono::milliseconds timeout{0};
  Clock::time_point deadline;  // sent + timeout: the call fails then, wherever it is
  AsyncHttpClient::Done done;
};

struct Host;
class Pool;

// One keep-alive connection to a host. Carries one call at a time.
struct Connection {
  Connection(asio::io_context& io, Host& owner, std::shared_ptr<Pool> owner_pool)
      : pool(std::move(owner_pool)), lookup_timer(io), host(owner) {}

  std::shared_ptr<Pool> pool;       // kept while a handler may still run: it owns `host`
  asio::steady_timer lookup_timer;  // bounds the host name's lookup, which has no timeout
  bool looking_up = false;
  Clock::time_point opened;          // when the connection was asked for
  Clock::time_point connect_by;      // the lookup and the TCP connect must be done by then
  std::optional<PlainStream> plain;  // one of plain and tls, once looked up
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::unique_ptr<Call> call;  // null while idle, and once abandoned
  Host& host;
  std::size_t answered = 0;  // responses read so far: more than none means it came from the pool

  beast::tcp_stream& transport() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Calls `operation` with the outermost stream (TLS or plain).
  template <class Operation>
  void with_stream(Operation&& operation) {
    if (tls) {
      operation(*tls);
    } else {
      operation(*plain);
    }
  }

  // Cancels whatever is in progress; the handlers then run with an error.
  void close() {
    lookup_timer.cancel();
    if (plain || tls) transport().close();
  }
};

struct Host {
  explicit Host(asio::io_context& io) : expiry(io) {}

  Url url;            // scheme, host and port; the target is per request
  std::string where;  // host:port, for messages
  std::vector<std::shared_ptr<Connection>> idle;  // most recently used last
  std::set<std::shared_ptr<Connection>> busy;     // resolving, connecting or exchanging
  std::deque<std::unique_ptr<Call>> waiting;      // FIFO of calls without a connection
  asio::steady_timer expiry;                      // wakes expire_waiting()
  std::optional<Clock::time_point> expiry_set;    // no later than any waiting call's deadline

  std::size_t open() const { return idle.size() + busy.size(); }
};

Error cancelled() {
  return make_error("cancelled", "the HTTP client shut down before the request completed", true);
}

std::string milliseconds_text(Clock::duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) +
         " ms";
}

// Runs `done` once. An exception it throws must not unwind through our handlers.
void complete(Call& call, Result<HttpResponse> result) {
  auto done = std::move(call.done);
  try {
    done(std::move(result));
  } catch (...) {
  }
}

// The connections of one event loop, and the calls waiting for them. Used on that loop only.
class Pool final : public std::enable_shared_from_this<Pool> {
 public:
  Pool(asio::io_context& io, const ClientOptions& options,
       Result<std::shared_ptr<ssl::context>> tls_context, std::shared_ptr<HostLookups> lookups)
      : options_(options),
        tls_context_(std::move(tls_context)),
        lookups_(std::move(lookups)),
        io_(io) {}

  asio::io_context& io() { return io_; }

  // `sent`: when send() was called, where the call's timeout starts.
  void start(ClientRequest request, Clock::time_point sent, AsyncHttpClient::Done done) {
    auto call = std::make_unique<Call>();
    call->done = std::move(done);
    if (stopping_) return complete(*call, cancelled());
    if (request.url.empty() || request.url != last_.text) {
      auto url = parse_url(request.url);
      if (!url) return complete(*call, url.error());
      if (url->scheme != "http" && url->scheme != "https") {
        return complete(
            *call, make_error("invalid_url", "an HTTP request needs an http:// or https:// URL"));
      }
      if (!url->secure() && !options_.tls.allow_plaintext) {
        return complete(*call, make_error("plaintext_refused",
                                          "refusing plain http:// to " + url->host +
                                              " (use https, or allow_plaintext for a local "
                                              "emulator)"));
      }
      last_.text = request.url;
      last_.url = std::move(*url);
      last_.host = &host_of(last_.url);
    }
    const Url& url = last_.url;
    Host& host = *last_.host;
    const auto timeout = request.timeout;
    try {
      auto message = to_beast_request(std::move(request), url);
      call->head = message.method() == http::verb::head;
      write_wire_bytes(message, call->request);
    } catch (const std::exception& e) {  // Beast refuses oversized fields by throwing
      return complete(*call,
                      make_error("io_error", std::string("cannot build the request: ") + e.what()));
    }
    call->timeout = timeout.count() > 0 ? timeout : options_.request_timeout;
    call->deadline = sent + call->timeout;
    host.waiting.push_back(std::move(call));
    dispatch(host);
    // Still waiting, it is the last: the others already have the timer set for them.
    if (!host.waiting.empty()) set_expiry(host, host.waiting.back()->deadline);
  }

  // Completes every call with "cancelled", now and from now on.
  void shut_down() {
    stopping_ = true;
    for (auto& [key, host] : hosts_) {
      host->expiry.cancel();
      auto waiting = std::move(host->waiting);
      auto busy = std::move(host->busy);
      host->idle.clear();
      for (auto& call : waiting) complete(*call, cancelled());
      for (const auto& connection : busy) {
        auto call = std::move(connection->call);
        connection->close();
        complete(*call, cancelled());
      }
    }
  }

 private:
  Host& host_of(const Url& url) {
    const std::string port = std::to_string(url.port);
    auto& host = hosts_[url.scheme + "://" + url.host + ":" + port];
    if (!host) {
      host = std::make_unique<Host>(io_);
      host->url = url;
      host->where = url.host + ":" + port;
    }
    return *host;
  }

  std::size_t limit() const { return std::max<std::size_t>(options_.max_connections_per_host, 1); }

  // Hands waiting calls to idle connections, then to new ones while the host is under its limit.
  // A call whose deadline passed while it waited fails unsent.
  void dispatch(Host& host) {
    while (!host.waiting.empty()) {
      if (host.waiting.front()->deadline <= Clock::now()) {
        auto call = take_first(host.waiting);
        complete(*call, waited_too_long(host, *call));
      } else if (!host.idle.empty()) {
        auto connection = std::move(host.idle.back());
        host.idle.pop_back();
        host.busy.insert(connection);
        connection->call = take_first(host.waiting);
        exchange(connection);
      } else if (host.open() < limit()) {
        open_connection(host, take_first(host.waiting));
      } else {
        return;
      }
    }
    // Nothing waits: a timer left set would keep the loop busy until that deadline, and a loop
    // shutting down (the dispatcher's stop) runs until nothing is pending.
    if (host.expiry_set) {
      host.expiry_set.reset();
      host.expiry.cancel();
    }
  }

  static std::unique_ptr<Call> take_first(std::deque<std::unique_ptr<Call>>& calls) {
    auto call = std::move(calls.front());
    calls.pop_front();
    return call;
  }

  // Its own code, not "timeout": nothing reached the server, so any request may be repeated.
  Error waited_too_long(const Host& host, const Call& call) const {
    return make_error("queue_timeout",
                      "no connection to " + host.where + " came free within the request's " +
                          milliseconds_text(call.timeout) + " (all " + std::to_string(limit()) +
                          " busy): not sent",
                      true);
  }

  // Makes expire_waiting() run by `deadline` at the latest.
  void set_expiry(Host& host, Clock::time_point deadline) {
    if (host.expiry_set && *host.expiry_set <= deadline) return;
    host.expiry_set = deadline;
    host.expiry.expires_at(deadline);  // a wait already set ends with operation_aborted
    host.expiry.async_wait([this, keep = shared_from_this(), &host](error_code ec) {
      if (ec || stopping_) return;
      host.expiry_set.reset();
      expire_waiting(host);
    });
  }

  // Fails the waiting calls whose deadline has passed, unsent, and sets the timer for the next.
  void expire_waiting(Host& host) {
    const auto now = Clock::now();
    std::vector<std::unique_ptr<Call>> late;
    std::deque<std::unique_ptr<Call>> kept;
    for (auto& call : host.waiting) {
      if (call->deadline <= now) {
        late.push_back(std::move(call));
      } else {
        kept.push_back(std::move(call));
      }
    }
    host.waiting = std::move(kept);
    for (const auto& call : host.waiting) set_expiry(host, call->deadline);
    for (auto& call : late) complete(*call, waited_too_long(host, *call));
  }

  void open_connection(Host& host, std::unique_ptr<Call> call) {
    if (host.url.secure() && !tls_context_) return complete(*call, tls_context_.error());
    auto connection = std::make_shared<Connection>(io_, host, shared_from_this());
    connection->call = std::move(call);
    host.busy.insert(connection);
    // connect_timeout bounds the lookup and the TCP connect together, as does the call's deadline.
    connection->opened = Clock::now();
    connection->connect_by =
        std::min(connection->opened + options_.connect_timeout, connection->call->deadline);
    error_code not_an_address;
    const auto address = asio::ip::make_address(host.url.host, not_an_address);
    if (!not_an_address) return connect(connection, {tcp::endpoint(address, host.url.port)});

    connection->looking_up = true;
    connection->lookup_timer.expires_at(connection->connect_by);
    connection->lookup_timer.async_wait([this, connection](error_code ec) {
      if (ec || !connection->call || !connection->looking_up) return;
      failed(connection,
             make_error("dns_failed",
                        "looking up " + connection->host.url.host + " timed out after " +
                            milliseconds_text(Clock::now() - connection->opened),
                        true));
    });
    // The answer comes on a lookup thread: back to this loop, to the connection if it still waits
    // (a connection abandoned meanwhile is gone, and with it the need).
    lookups_->find(host.url.host, [this, io = &io_, waiter = std::weak_ptr<Connection>(connection)](
                                      const HostLookups::Answer& answer) {
      asio::post(*io, [this, waiter, answer] {  // `this` lives while the connection does
        if (auto waiting = waiter.lock()) on_looked_up(waiting, answer);
      });
    });
  }

  void on_looked_up(const std::shared_ptr<Connection>& connection,
                    const HostLookups::Answer& answer) {
    if (!connection->call || !connection->looking_up) return;
    connection->looking_up = false;
    connection->lookup_timer.cancel();
    const Host& host = connection->host;
    if (!answer) {
      return failed(
          connection,
          make_error("dns_failed",
                     "cannot resolve " + host.url.host + ": " + answer.error().message, true));
    }
    std::vector<tcp::endpoint> endpoints;
    for (const auto& text : *answer) {
      error_code invalid;
      const auto address = asio::ip::make_address(text, invalid);
      if (!invalid) endpoints.emplace_back(address, host.url.port);
    }
    if (endpoints.empty()) {
      return failed(connection,
                    make_error("dns_failed", "no address found for " + host.url.host, true));
    }
    connect(connection, std::move(endpoints));
  }

  // Connects to the first of `endpoints` that answers, by the connection's connect_by.
  void connect(const std::shared_ptr<Connection>& connection,
               std::vector<tcp::endpoint> endpoints) {
    if (connection->host.url.secure()) {
      connection->tls.emplace(io_, **tls_context_);
    } else {
      connection->plain.emplace(io_);
    }
    connection->transport().expires_at(connection->connect_by);
    connection->transport().async_connect(
        endpoints,
        [this, connection](error_code error, const auto&) { on_connected(connection, error); });
  }

  void on_connected(const std::shared_ptr<Connection>& connection, error_code ec) {
    if (!connection->call) return;
    const std::string& where = connection->host.where;
    if (ec == beast::error::timeout) {
      return failed(connection,
                    make_error("timeout", "connecting to " + where + " timed out", true));
    }
    if (ec) {
      return failed(
          connection,
          make_error("connect_failed", "cannot connect to " + where + ": " + ec.message(), true));
    }
    set_no_delay(connection->transport().socket());
    if (!connection->tls) return exchange(connection);

    if (auto prepared = prepare_client_tls(*connection->tls, connection->host.url.host);
        !prepared) {
      return failed(connection, prepared.error());
    }
    connection->transport().expires_at(
        std::min(Clock::now() + options_.connect_timeout, connection->call->deadline));
    connection->tls->async_handshake(
        ssl::stream_base::client,
        [this, connection](error_code error) { on_handshake(connection, error); });
  }

  void on_handshake(const std::shared_ptr<Connection>& connection, error_code ec) {
    if (!connection->call) return;
    const std::string& where = connection->host.where;
    if (ec == beast::error::timeout) {
      return failed(connection,
                    make_error("timeout", "TLS handshake with " + where + " timed out", true));
    }
    if (ec) {
      return failed(connection,
                    make_error("tls_failed", "TLS with " + where + " failed: " + ec.message()));
    }
    exchange(connection);
  }

  // Writes the connection's call and reads the answer, by the call's deadline.
  void exchange(const std::shared_ptr<Connection>& connection) {
    connection->transport().expires_at(connection->call->deadline);
    connection->with_stream([&](auto& stream) {
      asio::async_write(
          stream, asio::buffer(connection->call->request),
          [this, connection](error_code ec, std::size_t) { on_written(connection, ec); });
    });
  }

  void on_written(const std::shared_ptr<Connection>& connection, error_code ec) {
    if (!connection->call) return;
    if (ec) {
      return failed(connection, transfer_error(ec, "sending the request"),
                    ec != beast::error::timeout);
    }
    auto& parser = connection->parser.emplace();
    parser.body_limit(kMaxResponseBodyBytes);
    if (connection->call->head) parser.skip(true);
    connection->with_stream([&](auto& stream) {
      http::async_read(
          stream, connection->buffer, parser,
          [this, connection](error_code error, std::size_t) { on_read(connection, error); });
    });
  }

  void on_read(const std::shared_ptr<Connection>& connection, error_code ec) {
    if (!connection->call) return;
    if (ec) {
      return failed(connection, transfer_error(ec, "reading the response"),
                    ec != beast::error::timeout && !connection->parser->got_some());
    }
    connection->transport().expires_never();
    const bool reusable = connection->parser->get().keep_alive() && connection->buffer.size() == 0;
    HttpResponse response = from_beast_response(connection->parser->release());
    connection->parser.reset();
    ++connection->answered;
    auto call = std::move(connection->call);
    finished(connection, reusable);
    complete(*call, std::move(response));
  }

  // The connection's call has its answer: keep the connection for the next one, or close it.
  void finished(const std::shared_ptr<Connection>& connection, bool reusable) {
    Host& host = connection->host;
    host.busy.erase(connection);
    if (reusable) host.idle.push_back(connection);
    dispatch(host);
    if (host.idle.size() > options_.max_idle_per_host) {
      host.idle.erase(host.idle.begin());  // the longest idle goes first
    }
  }

  // Drops the connection. A pooled connection that died before any byte of the answer (the server
  // closed it while it sat idle) gets its call sent once more, on a new connection.
  void failed(const std::shared_ptr<Connection>& connection, Error error,
              bool before_answer = false) {
    auto call = std::move(connection->call);
    Host& host = connection->host;
    host.busy.erase(connection);
    connection->close();
    if (before_answer && connection->answered > 0) {
      open_connection(host, std::move(call));
    } else {
      complete(*call, std::move(error));
    }
    dispatch(host);
  }

 private:
  const ClientOptions options_;
  const Result<std::shared_ptr<ssl::context>> tls_context_;
  const std::shared_ptr<HostLookups> lookups_;  // the client's, shared by its loops
  asio::io_context& io_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;  // by scheme://host:port, never shrinks
  // The URL of the last request that passed start()'s checks, parsed, and its host: nearly every
  // request of a burst goes to the same one (chat.postMessage), whose parse cost ~1k instructions.
  struct {
    std::string text;
    Url url;
    Host* host = nullptr;
  } last_;
  bool stopping_ = false;
};

class LoopsAsyncHttpClient final : public AsyncHttpClient {
 public:
  LoopsAsyncHttpClient(const ClientOptions& options, EventLoops& loops)
      : loops_(loops.loop_set()),
        lookups_(std::make_shared<HostLookups>(
            options.host_lookup ? options.host_lookup : HostLookup(system_lookup),
            kMaxLookupThreads)) {
    const auto tls_context = make_client_tls_context(options.tls);
    for (auto& loop : loops_.loops) {
      pools_.push_back(std::make_shared<Pool>(loop->io, options, tls_context, lookups_));
    }
  }

  ~LoopsAsyncHttpClient() override {
    if (loops_.joined) {  // no loop runs any more: nothing else touches the pools
      for (auto& pool : pools_) pool->shut_down();
      lookups_->stop();
      return;
    }
    std::vector<std::future<void>> done;
    for (auto& pool : pools_) {
      auto finished = std::make_shared<std::promise<void>>();
      done.push_back(finished->get_future());
      // After every send() made before this (each loop runs its jobs in order).
      asio::post(pool->io(), [pool, finished] {
        pool->shut_down();
        finished->set_value();
      });
    }
    for (auto& future : done) future.wait();
    lookups_->stop();  // no answer may be posted to a loop once this returns: they may go next
  }

  void send(ClientRequest request, Done done) override {
    auto& pool = pools_[loops_.pick()];
    asio::post(pool->io(), [pool, sent = Clock::now(), request = std::move(request),
                            done = std::move(done)]() mutable {
      pool->start(std::move(request), sent, std::move(done));
    });
  }

 private:
  detail::LoopSet& loops_;
  const std::shared_ptr<HostLookups> lookups_;
  std::vector<std::shared_ptr<Pool>> pools_;  // one per loop, by the loop's index
};

// A client with its own loop.
class OwnLoopAsyncHttpClient final : public AsyncHttpClient {
 public:
  explicit OwnLoopAsyncHttpClient(const ClientOptions& options)
      : loop_(1, "http-client"), client_(options, loop_) {}

  void send(ClientRequest request, Done done) override {
    client_.send(std::move(request), std::move(done));
  }

 private:
  EventLoops loop_;
  LoopsAsyncHttpClient client_;  // destroyed first, while the loop runs
};

}  // namespace

std::unique_ptr<AsyncHttpClient> make_async_http_client(const ClientOptions& options) {
  return std::make_unique<OwnLoopAsyncHttpClient>(options);
}

std::unique_ptr<AsyncHttpClient> make_async_http_client(const ClientOptions& options,
                                                        EventLoops& loops) {
  return std::make_unique<LoopsAsyncHttpClient>(options, loops);
}

}  // namespace bridgebot::net
