// Private to src/net: one WebSocket connection, client or server side, over a plain or TLS stream.
// Shared by http_server.cpp (upgrades) and websocket_client.cpp (connect_websocket).
//
// Threading: every member function whose name is not part of WebSocketConnection or
// ServerConnection runs on the stream's strand (client side) or on its loop's one thread (server
// side; "strand" below means either). The public ones post there first, so they are safe from any
// thread and after the connection ended (they become no-ops).
//
// Writes follow the chat-multi pattern of the Beast examples: one write in flight, the rest
// queued, the next write chained from the completion of the last. A close() waits behind the
// queued frames.
#pragma once

#include <unistd.h>

#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>

#include "beast_common.h"
#include "bridgebot/net/websocket.h"
#include "connection_registry.h"

namespace bridgebot::net::detail {

namespace websocket = boost::beast::websocket;

// Client-side liveness: ping every ping_interval and give up after idle_timeout without receiving
// anything. Zero intervals turn it off (the server side, where the client is expected to ping).
struct Liveness {
  std::chrono::milliseconds ping_interval{0};
  std::chrono::milliseconds idle_timeout{0};
};

// The on_closed reason for a network error: the error code of http.h, with detail for io_error.
inline std::string closed_reason(const error_code& ec) {
  Error error = transfer_error(ec, "websocket");
  return error.code == "io_error" ? error.to_string() : error.code;
}

template <class NextLayer>  // PlainStream or TlsStream
class WebSocketSession final : public WebSocketConnection,
                               public ServerConnection,
                               public std::enable_shared_from_this<WebSocketSession<NextLayer>> {
 public:
  using Clock = std::chrono::steady_clock;

  // `stream_args` construct the underlying websocket::stream (an accepted stream to move from, or
  // an executor plus TLS context for a client). `on_finished` runs once, after on_closed.
  template <class... StreamArgs>
  WebSocketSession(std::shared_ptr<WebSocketHandler> handler, Liveness liveness,
                   std::function<void()> on_finished, StreamArgs&&... stream_args)
      : ws_(std::forward<StreamArgs>(stream_args)...),
        ping_timer_(ws_.get_executor()),
        handler_(std::move(handler)),
        liveness_(liveness),
        on_finished_(std::move(on_finished)) {}

  websocket::stream<NextLayer>& stream() { return ws_; }

  // Server side: completes the upgrade `request`, then opens. On the strand.
  void accept(http::request<http::string_body> request, std::chrono::milliseconds timeout) {
    upgrade_request_ = std::move(request);
    ws_.set_option(websocket::stream_base::timeout{timeout, websocket::stream_base::none(), false});
    ws_.async_accept(*upgrade_request_, [self = this->shared_from_this()](error_code ec) {
      self->upgrade_request_.reset();
      if (ec) return self->finish(0, "handshake_failed: " + ec.message());
      self->open();
    });
  }

  // After a successful handshake: tells the handler and starts reading (and pinging). On the
  // strand.
  void open() {
    last_received_ = Clock::now();
    last_ping_sent_ = last_received_;
    ws_.control_callback(
        [this](websocket::frame_type, beast::string_view) { last_received_ = Clock::now(); });
    handler_->on_open(this->shared_from_this());
    read_next();
    schedule_liveness_check();
  }

  void send_text(std::string message) override {
    on_strand([message = std::move(message)](WebSocketSession& self) mutable {
      self.queue_text(std::move(message));
    });
  }

  void close(int code, std::string reason) override {
    on_strand([code, reason = std::move(reason)](WebSocketSession& self) mutable {
      self.begin_close(code, std::move(reason));
    });
  }

  void drop() override {
    on_strand([](WebSocketSession& self) { self.finish(0, "dropped"); });
  }

  void stall() override {
    on_strand([](WebSocketSession& self) { self.stop_all_io(); });
  }

  void shut_down_gracefully() override {
    on_strand([](WebSocketSession& self) { self.begin_close(1001, "server stopping"); });
  }

  void abandon() override { finish(0, "server stopped"); }

 private:
  template <class Action>
  void on_strand(Action action) {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(),
                                    action = std::move(action)]() mutable { action(*self); });
  }

  void read_next() {
    ws_.async_read(read_buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(const error_code& ec) {
    if (finished_ || stalled_) return;
    if (ec == websocket::error::closed) {
      return finish(ws_.reason().code, to_string(ws_.reason().reason));
    }
    if (ec == asio::error::operation_aborted && closing_)
      return;  // the async_close completion reports
    if (ec) return finish(0, closed_reason(ec));
    last_received_ = Clock::now();
    std::string message = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    handler_->on_text(std::move(message));
    if (!finished_) read_next();
  }

  void queue_text(std::string message) {
    if (finished_ || closing_ || stalled_) return;
    outgoing_.push_back(std::move(message));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        asio::buffer(outgoing_.front()),
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(const error_code& ec) {
    writing_ = false;
    if (finished_ || stalled_) return;
    if (ec) return finish(0, closed_reason(ec));
    outgoing_.pop_front();
    if (!outgoing_.empty()) return write_next();
    send_close_when_ready();
  }

  static std::string to_string(const websocket::reason_string& text) {
    return std::string(text.data(), text.size());
  }

  void begin_close(int code, std::string reason) {
    if (finished_ || closing_ || stalled_) return;
    closing_ = true;
    close_code_ = code;
    websocket::close_reason frame(static_cast<std::uint16_t>(code));
    // A close frame carries at most 123 bytes of reason.
    frame.reason.assign(reason.data(), std::min(reason.size(), frame.reason.max_size()));
    pending_close_ = frame;
    send_close_when_ready();
  }

  // Beast allows one write and one control frame (ping or close) at a time: the close frame goes
  // out once the queue has drained and no ping is in flight.
  void send_close_when_ready() {
    if (!pending_close_ || writing_ || ping_in_flight_ || !outgoing_.empty()) return;
    const websocket::close_reason reason = *pending_close_;
    pending_close_.reset();
    ws_.async_close(reason, [self = this->shared_from_this()](error_code ec) {
      if (ec) return self->finish(0, closed_reason(ec));
      const auto& answer = self->ws_.reason();
      self->finish(answer.code != 0 ? answer.code : self->close_code_, to_string(answer.reason));
    });
  }

  void schedule_liveness_check() {
    if (liveness_.ping_interval.count() <= 0 || finished_ || stalled_) return;
    ping_timer_.expires_after(std::min(liveness_.ping_interval, liveness_.idle_timeout));
    ping_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec) self->check_liveness();
    });
  }

  void check_liveness() {
    if (finished_ || stalled_) return;
    const auto now = Clock::now();
    if (now - last_received_ >= liveness_.idle_timeout) return finish(0, "timeout");
    if (now - last_ping_sent_ >= liveness_.ping_interval && !ping_in_flight_ && !closing_) {
      ping_in_flight_ = true;
      last_ping_sent_ = now;
      ws_.async_ping({}, [self = this->shared_from_this()](error_code) {
        // A failed ping needs no handling here: the read loop sees the same failure.
        self->ping_in_flight_ = false;
        self->send_close_when_ready();
      });
    }
    schedule_liveness_check();
  }

  // stall(): cancel everything in flight and start nothing new, leaving the socket open.
  // Beast fails (and closes) a WebSocket whose read is cancelled, and a read left running would
  // answer pings. So the socket's descriptor is taken away from Asio: the pending operations end
  // as aborted, the peer sees an open but silent connection, and finish() closes the descriptor.
  void stop_all_io() {
    if (finished_ || stalled_) return;
    stalled_ = true;
    ping_timer_.cancel();
    error_code ec;
    stalled_descriptor_ = beast::get_lowest_layer(ws_).socket().release(ec);
    if (ec) stalled_descriptor_ = -1;
  }

  // Ends the connection: closes the socket (if the close handshake has not already), reports
  // on_closed once, then lets go of the handler (it may hold this connection).
  void finish(int code, std::string reason) {
    if (finished_) return;
    finished_ = true;
    ping_timer_.cancel();
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (stalled_descriptor_ >= 0) ::close(stalled_descriptor_);
    outgoing_.clear();
    auto handler = std::move(handler_);
    handler->on_closed(code, std::move(reason));
    if (on_finished_) std::exchange(on_finished_, nullptr)();
  }

  websocket::stream<NextLayer> ws_;
  asio::steady_timer ping_timer_;
  std::shared_ptr<WebSocketHandler> handler_;  // null once finished
  const Liveness liveness_;
  std::function<void()> on_finished_;
  std::optional<http::request<http::string_body>> upgrade_request_;  // during async_accept
  beast::flat_buffer read_buffer_;
  std::deque<std::string> outgoing_;  // front() is being written while writing_
  std::optional<websocket::close_reason> pending_close_;
  int close_code_ = 1000;
  Clock::time_point last_received_{};
  Clock::time_point last_ping_sent_{};
  bool writing_ = false;
  bool ping_in_flight_ = false;
  bool closing_ = false;         // close() accepted: no more sends
  bool stalled_ = false;         // stall(): no reads, no writes, socket left open
  int stalled_descriptor_ = -1;  // the socket after stall(), owned here until finish()
  bool finished_ = false;        // on_closed has been called
};

}  // namespace bridgebot::net::detail
