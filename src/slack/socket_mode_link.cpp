#include "socket_mode_link.h"

#include <spdlog/spdlog.h>

namespace bridgebot::slack::detail {

void Link::on_open(std::shared_ptr<net::WebSocketConnection> connection) {
  std::lock_guard lock(mutex_);
  connection_ = connection;
}

void Link::on_text(std::string message) {
  SocketModeFrame frame = parse_socket_mode_frame(message);
  if (auto* hello = std::get_if<HelloFrame>(&frame)) {
    // Recorded before the link counts as open, so a status that sees it open sees its hello.
    hub_->counters.hellos++;
    hub_->last_hello_num_connections = hello->num_connections;
  }
  LinkAction action = advance(link_input_for(frame));

  if (auto* envelope = std::get_if<Envelope>(&frame)) {
    hub_->counters.envelopes++;
    if (action == LinkAction::ack_and_dispatch) {
      hub_->envelopes.push({std::move(*envelope), weak_from_this()});
    }
    return;
  }
  if (auto* unknown = std::get_if<UnknownFrame>(&frame)) {
    hub_->counters.unknown_frames++;
    spdlog::debug("socket mode: link {} ignored a frame ({})", id_, unknown->why);
    return;
  }

  LinkEvent event;
  event.link_id = id_;
  event.action = action;
  if (auto* disconnect = std::get_if<DisconnectFrame>(&frame)) {
    hub_->counters.disconnects++;
    event.detail = disconnect->reason_text;
    spdlog::info("socket mode: link {} got disconnect ({})", id_, disconnect->reason_text);
    // "Close first": the socket goes now, whatever the supervisor decides next.
    if (action == LinkAction::close_and_back_off || action == LinkAction::stop_link_disabled) {
      close();
    }
  }
  if (action != LinkAction::none) hub_->post(std::move(event));
}

void Link::on_closed(int code, std::string reason) {
  LinkAction action;
  {
    std::lock_guard lock(mutex_);
    socket_gone_ = true;
    action = next_link_state(state_, LinkInput::socket_closed).action;
    state_ = LinkState::closed;
    connection_.reset();
  }
  spdlog::info("socket mode: link {} closed ({} {})", id_, code, reason);
  // Always told, even with nothing to do, so the supervisor can forget the link.
  hub_->post({id_, action, std::to_string(code) + " " + reason});
}

LinkState Link::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

bool Link::said_hello() const {
  std::lock_guard lock(mutex_);
  return said_hello_ && !socket_gone_;
}

void Link::close() {
  std::shared_ptr<net::WebSocketConnection> connection;
  {
    std::lock_guard lock(mutex_);
    connection = connection_.lock();
  }
  if (connection) connection->close(1000, "");
}

LinkAction Link::advance(LinkInput input) {
  std::lock_guard lock(mutex_);
  LinkTransition transition = next_link_state(state_, input);
  state_ = transition.next;
  if (transition.action == LinkAction::mark_open) said_hello_ = true;
  return transition.action;
}

void Link::ack(const Envelope& envelope) {
  std::shared_ptr<net::WebSocketConnection> connection;
  {
    std::lock_guard lock(mutex_);
    connection = connection_.lock();
  }
  // A socket that died between the read and now cannot carry the ack: Slack redelivers the
  // envelope on another socket, and the handler's de-duplication absorbs the copy.
  if (!connection) {
    hub_->counters.ack_failures++;
    return;
  }
  connection->send_text(build_ack(envelope.envelope_id, envelope.accepts_response_payload));
  hub_->counters.acks++;
}

}  // namespace bridgebot::slack::detail
