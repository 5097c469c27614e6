// HttpServer over Beast: a listener, one HttpSession per connection (plain or TLS), and the
// hand-over of upgraded connections to WebSocketSession. Shapes after the Beast chat-multi example.
//
// Lifetimes: every session holds the ServerShared state, so nothing it points to can go away
// under it. A session waiting for its handler's answer keeps itself alive (waiting_for_answer_);
// Responders hold only weak references, so a Responder kept past the server is harmless.
#include "bridgebot/net/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>
#include <vector>

#include "beast_common.h"
#include "bridgebot/core/hand_over_batch.h"
#include "bridgebot/core/thread_name.h"
#include "connection_registry.h"
#include "request_parser.h"
#include "tls_context.h"
#include "websocket_session.h"
#include "wire_bytes.h"

namespace bridgebot::net {
namespace {

using namespace detail;

constexpr std::chrono::milliseconds kWebSocketHandshakeTimeout{10'000};
// After a 413 we read and discard what the client still sends, so that a client that is finishing
// its write (a body of up to a MiB more) reads the answer instead of a reset. Bounded in time and
// bytes: a client that keeps trickling is closed.
constexpr std::chrono::milliseconds kDrainAfterRejectTimeout{2'000};
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
// Out of descriptors (EMFILE/ENFILE) or buffers: accepting again at once would spin.
constexpr std::chrono::milliseconds kAcceptPause{250};
constexpr std::chrono::seconds kRefusalLogInterval{10};

// The raw answer to a connection over max_connections (written before any request is read).
const std::string& over_capacity_answer() {
  static const std::string answer = [] {
    const std::string body =
        R"({"error":"overloaded","message":"too many open connections: try again"})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  return answer;
}

struct ServerShared {
  ServerOptions options;
  RequestHandler handler;
  WebSocketAcceptor acceptor;
  std::shared_ptr<ssl::context> tls;  // null: plain HTTP
  ConnectionRegistry registry;

  // Responders check this under the mutex, so none posts to the I/O threads once stop() has
  // stopped them.
  std::mutex responders_mutex;
  bool accepting_responses = true;
};

// The part of a session a Responder talks to.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Thread-safe: posts the answer to the session's loop.
  virtual void post_response(HttpResponse response) = 0;
};

HttpResponse json_error(int status, const std::string& code, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.body = R"({"error":")" + code + R"(","message":")" + message + R"("})";
  return response;
}

// Shared by the copies of one Responder: the first call wins. A Responder dropped without an
// answer sends 500, so the client is not left waiting for nothing.
class ResponderState {
 public:
  ResponderState(std::shared_ptr<ServerShared> shared, std::weak_ptr<ResponseSink> session)
      : shared_(std::move(shared)), session_(std::move(session)) {}
  ~ResponderState() {
    respond(json_error(500, "no_response", "the request handler dropped the request"));
  }

  void respond(HttpResponse response) {
    if (used_.exchange(true)) return;
    std::lock_guard lock(shared_->responders_mutex);
    if (!shared_->accepting_responses) return;
    if (auto session = session_.lock()) session->post_response(std::move(response));
  }

 private:
  std::shared_ptr<ServerShared> shared_;
  std::weak_ptr<ResponseSink> session_;
  std::atomic<bool> used_{false};
};

// The request as Beast's message, for a WebSocket handshake (the rare request that asks for one).
http::request<http::string_body> to_message(const HttpRequest& request, unsigned version) {
  http::request<http::string_body> message;
  message.method_string(request.method);
  message.target(request.target);
  message.version(version);
  for (const auto& [name, value] : request.headers.all()) message.insert(name, value);
  message.body() = request.body;
  return message;
}

template <class Stream>  // PlainStream or TlsStream
class HttpSession final : public ServerConnection,
                          public ResponseSink,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<ServerShared> shared, tcp::socket&& socket)
      : shared_(std::move(shared)), stream_(make_stream(std::move(socket), *shared_)) {}

  void start() {
    error_code ec;
    const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_address_ = peer.address().to_string() + ":" + std::to_string(peer.port());
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      // For write_response's direct write: a full send buffer must not block the loop.
      beast::get_lowest_layer(stream_).socket().non_blocking(true, ec);
    }
    id_ = shared_->registry.add(this->weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        beast::get_lowest_layer(self->stream_).expires_after(self->shared_->options.header_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](error_code handshake_error) {
          if (handshake_error) return self->finish();
          self->read_request();
        });
      } else {
        self->read_request();
      }
    });
  }

  void post_response(HttpResponse response) override {
    auto* batch = core::HandOverBatch::current();
    if (batch == nullptr) {
      return asio::post(stream_.get_executor(), [self = this->shared_from_this(),
                                                 response = std::move(response)]() mutable {
        self->write_response(std::move(response));
      });
    }
    // In a batch (the store writer answering a committed group): one post per I/O thread for
    // all of the batch's answers to its connections; run there, each answer is written at once
    // (dispatch). The answer holds the session weakly and nothing of its loop: it may be dropped
    // after the server is gone (a waiting session keeps itself). Every connection's executor is
    // one of the loops' io_contexts (accept_next).
    auto& loop = static_cast<asio::io_context&>(
        asio::query(stream_.get_executor(), asio::execution::context));
    batch->add(
        &loop,
        [session = this->weak_from_this(), response = std::move(response)]() mutable {
          auto self = session.lock();
          if (!self) return;
          auto executor = self->stream_.get_executor();
          asio::dispatch(executor,
                         [self = std::move(self), response = std::move(response)]() mutable {
                           self->write_response(std::move(response));
                         });
        },
        [shared = shared_, &loop] {
          return [shared, &loop](std::vector<core::HandOverBatch::Item> answers) {
            // As in ResponderState::respond: nothing reaches an I/O thread stop() has stopped.
            std::lock_guard lock(shared->responders_mutex);
            if (!shared->accepting_responses) return;
            asio::post(loop, [answers = std::move(answers)] {
              for (const auto& answer : answers) answer();
            });
          };
        });
  }

  void shut_down_gracefully() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stopping_ = true;
      if (!self->waiting_for_answer_ && !self->writing_) self->finish();
    });
  }

  void abandon() override { finish(); }

 private:
  static Stream make_stream(tcp::socket&& socket, ServerShared& shared) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void read_request() {
    if (stopping_) return finish();
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    if (requests_read_ == 0 || buffer_.size() > 0) return read_header();
    // Kept alive: the next request may take idle_timeout to start; from its first byte on, the
    // header timeout runs. The wait has a deadline, not a timer of its own (watch_idle).
    beast::get_lowest_layer(stream_).expires_never();
    idle_deadline_ = std::chrono::steady_clock::now() + shared_->options.idle_timeout;
    idle_waiting_ = true;
    watch_idle();
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](error_code ec, std::size_t bytes) {
                              self->idle_waiting_ = false;
                              if (self->finished_) return;
                              if (ec) return self->finish();
                              self->buffer_.commit(bytes);
                              self->read_header();
                            });
  }

  // Closes the connection once it has waited idle_timeout for its next request. One timer per
  // connection, armed at most once per idle_timeout: a timer per wait (Beast's stream timeout)
  // cost every request a timer queued and cancelled under the reactor's lock, and its handler.
  void watch_idle() {
    if (idle_watch_armed_) return;
    idle_watch_armed_ = true;
    idle_timer_.expires_at(idle_deadline_);
    idle_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      self->idle_watch_armed_ = false;
      if (ec || self->finished_ || !self->idle_waiting_) return;  // busy: its next wait re-arms
      if (std::chrono::steady_clock::now() < self->idle_deadline_) return self->watch_idle();
      self->finish();
    });
  }

  void read_header() {
    // A kept-alive connection's first read usually holds the whole request: parsed here, it needs
    // no read operations (and no turns of the loop for their completions).
    if (error_code ec; parse_buffered(ec)) return on_request(ec);
    beast::get_lowest_layer(stream_).expires_after(shared_->options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec || self->finished_) return self->on_request(ec);
          beast::get_lowest_layer(self->stream_).expires_after(self->shared_->options.body_timeout);
          http::async_read(self->stream_, self->buffer_, *self->parser_,
                           [self](error_code body_ec, std::size_t) { self->on_request(body_ec); });
        });
  }

  // Feeds the parser what the buffer holds, as Beast's read operations do: true when that ended
  // the request (complete, or an error in `ec`), false when more has to be read.
  bool parse_buffered(error_code& ec) {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        return false;
      }
      if (ec) return true;
      if (used == 0) return false;
    }
    return parser_->is_done();
  }

  void on_request(const error_code& ec) {
    if (finished_) return;
    if (ec == http::error::body_limit) return reject_too_large();
    if (ec) return finish();  // the client left, stalled, idled out, or sent garbage
    ++requests_read_;
    version_ = parser_->version();
    keep_alive_ = parser_->keep_alive();
    HttpRequest request = std::move(parser_->request());
    request.remote_address = remote_address_;
    if (parser_->upgrade()) {
      auto message = to_message(request, version_);
      if (websocket::is_upgrade(message)) return upgrade(request, std::move(message));
    }
    ask_handler(std::move(request));
  }

  void ask_handler(HttpRequest request) {
    waiting_for_answer_ = shared_from_this_as_sink();
    beast::get_lowest_layer(stream_).expires_never();  // the handler may take its time
    auto state = std::make_shared<ResponderState>(shared_, waiting_for_answer_);
    Responder respond = [state](HttpResponse response) { state->respond(std::move(response)); };
    try {
      shared_->handler(std::move(request), respond);
    } catch (const std::exception&) {
      respond(json_error(500, "internal_error", "the request handler failed"));
    }
  }

  std::shared_ptr<ResponseSink> shared_from_this_as_sink() { return this->shared_from_this(); }

  void reject_too_large() {
    version_ = parser_->version();
    keep_alive_ = false;
    draining_ = true;
    waiting_for_answer_ = shared_from_this_as_sink();
    write_response(json_error(413, "body_too_large",
                              "the request body is larger than " +
                                  std::to_string(shared_->options.max_body_bytes) + " bytes"));
  }

  void write_response(HttpResponse answer) {
    if (finished_ || !waiting_for_answer_) return;
    auto keep_self = std::move(waiting_for_answer_);  // the write below holds the session now
    http::response<http::string_body> response;
    response.version(version_);
    response.result(static_cast<unsigned>(answer.status));
    for (const auto& [name, value] : answer.headers.all()) response.insert(name, value);
    response.body() = std::move(answer.body);
    response.keep_alive(keep_alive_ && !stopping_);
    response.prepare_payload();
    response_keep_alive_ = response.keep_alive();
    write_wire_bytes(response, written_);
    writing_ = true;
    std::size_t sent = 0;
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      // An answer nearly always fits the socket's send buffer: written here, at once, it needs no
      // asynchronous write (a timer, an operation, a turn of the loop for its completion). The
      // socket is non-blocking (start), so a full buffer only leaves the rest to the async write.
      error_code ec;
      sent = beast::get_lowest_layer(stream_).socket().write_some(asio::buffer(written_), ec);
      if (ec == asio::error::would_block) {
        sent = 0;
      } else if (ec || sent == written_.size()) {
        return on_response_written(ec);
      }
    }
    beast::get_lowest_layer(stream_).expires_after(shared_->options.idle_timeout);
    asio::async_write(stream_, asio::buffer(written_.data() + sent, written_.size() - sent),
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        self->on_response_written(ec);
                      });
  }

  void on_response_written(const error_code& ec) {
    writing_ = false;
    if (finished_) return;
    const bool keep_alive = response_keep_alive_;
    if (ec) return finish();
    if (draining_) {
      beast::get_lowest_layer(stream_).expires_after(kDrainAfterRejectTimeout);
      drain_buffer_.resize(4096);
      return drain();
    }
    if (!keep_alive) return finish();
    read_request();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = this->shared_from_this()](error_code ec, std::size_t bytes) {
                              self->drained_bytes_ += bytes;
                              if (ec || self->finished_ || self->drained_bytes_ >= kMaxDrainBytes) {
                                return self->finish();
                              }
                              self->drain();
                            });
  }

  void upgrade(const HttpRequest& request, http::request<http::string_body>&& message) {
    std::shared_ptr<WebSocketHandler> handler;
    if (shared_->acceptor) {
      try {
        handler = shared_->acceptor(request);
      } catch (const std::exception&) {
        handler = nullptr;
      }
    }
    if (!handler) {
      waiting_for_answer_ = shared_from_this_as_sink();
      return write_response(json_error(404, "not_found", "no WebSocket endpoint here"));
    }
    beast::get_lowest_layer(stream_).expires_never();  // the WebSocket stream has its own
    auto id = std::make_shared<std::uint64_t>(0);
    auto session = std::make_shared<WebSocketSession<Stream>>(
        std::move(handler), Liveness{}, [shared = shared_, id] { shared->registry.remove(*id); },
        std::move(stream_));
    *id = shared_->registry.add(session);
    upgraded_ = true;
    finish();
    session->accept(std::move(message), kWebSocketHandshakeTimeout);
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    waiting_for_answer_.reset();
    idle_timer_.cancel();
    if (!upgraded_) {  // after an upgrade stream_ is moved-from and belongs to the WebSocket
      error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream_).socket().close(ignored);
    }
    shared_->registry.remove(id_);
  }

  const std::shared_ptr<ServerShared> shared_;
  Stream stream_;
  std::uint64_t id_ = 0;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  asio::steady_timer idle_timer_{stream_.get_executor()};
  std::chrono::steady_clock::time_point idle_deadline_{};
  bool idle_waiting_ = false;  // a kept-alive connection's read for its next request is pending
  bool idle_watch_armed_ = false;
  std::optional<RequestParser> parser_;
  std::string written_;  // the answer being written (its capacity kept for the next one)
  bool response_keep_alive_ = false;
  std::vector<char> drain_buffer_;  // sized only once a 413 is being drained
  std::size_t drained_bytes_ = 0;
  std::uint64_t requests_read_ = 0;
  // Set while the handler (or a queued error answer) owes this connection a response: keeps the
  // session alive, since Responders only hold weak references.
  std::shared_ptr<ResponseSink> waiting_for_answer_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool writing_ = false;
  bool draining_ = false;
  bool stopping_ = false;
  bool upgraded_ = false;
  bool finished_ = false;
};

// Splits "host:port" ("[::1]:8080" for IPv6). Errors: invalid_listen.
Result<std::pair<std::string, std::string>> split_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return make_error("invalid_listen", "listen must be host:port, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, listen.substr(colon + 1));
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, RequestHandler handler, WebSocketAcceptor acceptor)
      : shared_(std::make_shared<ServerShared>()),
        loops_(make_loops(options.threads)),
        acceptor_(asio::make_strand(loops_.front()->io)) {
    shared_->options = std::move(options);
    shared_->handler = std::move(handler);
    shared_->acceptor = std::move(acceptor);
  }

  ~Impl() { stop(std::chrono::milliseconds{0}); }

  Status start() {
    std::lock_guard lock(lifecycle_mutex_);
    if (running_) return {};
    if (stopped_) return make_error("invalid_state", "a stopped HttpServer cannot be restarted");
    const ServerOptions& options = shared_->options;
    const bool has_certificate = !options.tls_certificate_pem.empty();
    if (has_certificate != !options.tls_private_key_pem.empty()) {
      return make_error("tls_failed", "TLS needs both tls_certificate_pem and tls_private_key_pem");
    }
    if (has_certificate) {
      auto context =
          make_server_tls_context(options.tls_certificate_pem, options.tls_private_key_pem);
      if (!context) return context.error();
      shared_->tls = *context;
    }
    if (auto bound = bind(); !bound) return bound;
    running_ = true;
    accept_next();
    for (auto& loop : loops_)
      threads_.emplace_back([context = &loop->io] {
        core::name_this_thread("http-server");
        run_io(*context);
      });
    return {};
  }

  std::uint16_t port() const { return port_; }

  void stop(std::chrono::milliseconds grace) {
    std::lock_guard lock(lifecycle_mutex_);
    if (!running_) return;
    running_ = false;
    stopped_ = true;
    asio::post(acceptor_.get_executor(), [this] {
      error_code ignored;
      acceptor_.close(ignored);
      accept_pause_.cancel();
    });
    for (const auto& connection : shared_->registry.live()) connection->shut_down_gracefully();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!shared_->registry.empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    {
      std::lock_guard responders_lock(shared_->responders_mutex);
      shared_->accepting_responses = false;
    }
    for (auto& loop : loops_) loop->io.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    // No I/O thread runs any more: the acceptor (if the posted close did not run) and the
    // connections can be torn down from here.
    error_code ignored;
    acceptor_.close(ignored);
    for (const auto& connection : shared_->registry.live()) connection->abandon();
  }

 private:
  Status bind() {
    auto parts = split_listen(shared_->options.listen);
    if (!parts) return parts.error();
    error_code ec;
    tcp::resolver resolver(loops_.front()->io);
    const auto endpoints =
        resolver.resolve(parts->first, parts->second, tcp::resolver::passive, ec);
    if (ec || endpoints.empty()) {
      return make_error("invalid_listen", "cannot resolve listen address '" +
                                              shared_->options.listen + "': " + ec.message());
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);
      return make_error("bind_failed",
                        "cannot listen on " + shared_->options.listen + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return {};
  }

  // Connections take turns over the loops and stay on theirs. A connection's handlers run on its
  // loop's one thread, so they never run concurrently without a strand (a strand per connection
  // cost a few % of these threads' CPU). The accept handlers run on the acceptor's strand, one
  // at a time: the fields they use need no lock.
  void accept_next() {
    asio::io_context& next = loops_[next_loop_++ % loops_.size()]->io;
    acceptor_.async_accept(next, [this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (out_of_resources(ec)) return pause_accepting(ec);
      if (!ec) {
        accept_paused_ = false;
        take(std::move(socket));
      }
      accept_next();  // other accept errors (the client gave up meanwhile) concern one client
    });
  }

  static bool out_of_resources(const error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system;
  }

  void pause_accepting(const error_code& ec) {
    if (!accept_paused_) {  // once per episode, not once per pause
      accept_paused_ = true;
      spdlog::error(
          "HTTP server on {}: cannot accept connections ({}); pausing accepts, retrying every {} "
          "ms (raise the open-file limit, ulimit -n)",
          shared_->options.listen, ec.message(), kAcceptPause.count());
    }
    accept_pause_.expires_after(kAcceptPause);
    accept_pause_.async_wait([this](error_code wait_ec) {
      if (wait_ec || !acceptor_.is_open()) return;
      accept_next();
    });
  }

  void take(tcp::socket socket) {
    set_no_delay(socket);
    if (shared_->registry.size() >= shared_->options.max_connections) {
      return refuse(std::move(socket));
    }
    if (shared_->tls) {
      std::make_shared<HttpSession<TlsStream>>(shared_, std::move(socket))->start();
    } else {
      std::make_shared<HttpSession<PlainStream>>(shared_, std::move(socket))->start();
    }
  }

  // Over max_connections: a best-effort 503 (never blocking the acceptor), then close.
  void refuse(tcp::socket socket) {
    ++refused_since_log_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ >= kRefusalLogInterval) {
      spdlog::warn("HTTP server on {}: refused {} connection(s) over the limit of {} open ones",
                   shared_->options.listen, refused_since_log_, shared_->options.max_connections);
      refused_since_log_ = 0;
      last_refusal_log_ = now;
    }
    error_code ignored;
    if (!shared_->tls) {
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(over_capacity_answer()), ignored);
    }
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  static void run_io(asio::io_context& io) {
    for (;;) {
      try {
        io.run();
        return;
      } catch (...) {
        // A handler threw past its own catch: keep serving the other connections.
      }
    }
  }

  // One io_context per thread, each run by that thread alone: a handler posted to a
  // connection (its answer, from the worker that committed it) wakes the one thread that owns
  // it, where one io_context shared by all threads would wake threads that then find nothing to
  // do (~4 context switches per request fewer at a steady 1,000 requests/s).
  struct Loop {
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    // Asio opens an io_context's epoll and eventfd descriptors on its first timer or socket. A
    // timer made here opens them at start-up: opened lazily, by the first connection handed to
    // this loop while the process is out of descriptors, they would throw in the acceptor.
    asio::steady_timer opens_reactor{io};
  };
  static std::vector<std::unique_ptr<Loop>> make_loops(int threads) {
    std::vector<std::unique_ptr<Loop>> loops;
    for (int i = 0; i < std::max(threads, 1); ++i) loops.push_back(std::make_unique<Loop>());
    return loops;
  }

  std::shared_ptr<ServerShared> shared_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::size_t next_loop_ = 0;  // the acceptor's strand only
  tcp::acceptor acceptor_;
  asio::steady_timer accept_pause_{acceptor_.get_executor()};
  bool accept_paused_ = false;
  std::uint64_t refused_since_log_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::mutex lifecycle_mutex_;  // serialises start() and stop()
  bool running_ = false;
  bool stopped_ = false;  // stop() ran: the io_context cannot be run again
};

HttpServer::HttpServer(ServerOptions options, RequestHandler handler, WebSocketAcceptor acceptor)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(acceptor))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() {
  return impl_->start();
}

std::uint16_t HttpServer::port() const {
  return impl_->port();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  impl_->stop(grace);
}

}  // namespace bridgebot::net
