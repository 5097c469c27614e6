// Private to Socket Mode: one WebSocket connection to Slack. Its callbacks run on a network
// thread; they parse the frame, queue envelopes for the recorders (which ack them once recorded)
// and tell the supervisor about everything else. They never block.
//
// Thread-safe: state is guarded by a mutex; the supervisor reads it and closes the link from its
// own thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "bridgebot/net/websocket.h"
#include "bridgebot/slack/socket_mode_link_state.h"
#include "socket_mode_hub.h"

namespace bridgebot::slack::detail {

class Link final : public net::WebSocketHandler, public std::enable_shared_from_this<Link> {
 public:
  Link(std::uint64_t id, std::shared_ptr<Hub> hub) : id_(id), hub_(std::move(hub)) {}

  void on_open(std::shared_ptr<net::WebSocketConnection> connection) override;
  void on_text(std::string message) override;
  void on_closed(int code, std::string reason) override;

  std::uint64_t id() const { return id_; }
  LinkState state() const;
  bool said_hello() const;
  // Sends a close frame (code 1000); the link reports socket_closed when the socket is gone.
  void close();
  // Sends the ack of `envelope` (from any thread); counted as a failure when the socket is gone.
  void ack(const Envelope& envelope);

 private:
  // Applies `input` and returns the action to carry out.
  LinkAction advance(LinkInput input);

  const std::uint64_t id_;
  const std::shared_ptr<Hub> hub_;
  mutable std::mutex mutex_;
  LinkState state_ = LinkState::connecting;
  bool said_hello_ = false;
  bool socket_gone_ = false;
  std::weak_ptr<net::WebSocketConnection> connection_;  // weak: the session owns us
};

}  // namespace bridgebot::slack::detail
