#include "bridgebot/slack/socket_mode_link_state.h"

#include <type_traits>

namespace bridgebot::slack {

LinkTransition next_link_state(LinkState state, LinkInput input) {
  using S = LinkState;
  using I = LinkInput;
  using A = LinkAction;
  if (state == S::closed) return {S::closed, A::none};
  switch (input) {
    case I::hello:
      // A second hello on the same socket changes nothing but the recorded counts.
      return state == S::connecting ? LinkTransition{S::open, A::mark_open}
                                    : LinkTransition{state, A::none};
    case I::disconnect_warning:
    case I::disconnect_refresh_requested:
    case I::disconnect_other:
      // Already draining: the successor is on its way; asking again would open two.
      return state == S::draining ? LinkTransition{S::draining, A::none}
                                  : LinkTransition{S::draining, A::connect_successor};
    case I::disconnect_link_disabled:
      return {S::closed, A::stop_link_disabled};
    case I::disconnect_too_many_websockets:
      return {S::closed, A::close_and_back_off};
    case I::envelope:
      // Acked in every live state, even before hello: an unacked envelope comes back later.
      return {state, A::ack_and_dispatch};
    case I::unknown_frame:
      return {state, A::none};
    case I::socket_closed:
      // A draining socket was already replaced; any other loss needs a new connection.
      return state == S::draining ? LinkTransition{S::closed, A::forget}
                                  : LinkTransition{S::closed, A::reconnect_with_backoff};
  }
  return {state, A::none};
}

LinkInput link_input_for(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::warning:
      return LinkInput::disconnect_warning;
    case DisconnectReason::refresh_requested:
      return LinkInput::disconnect_refresh_requested;
    case DisconnectReason::link_disabled:
      return LinkInput::disconnect_link_disabled;
    case DisconnectReason::too_many_websockets:
      return LinkInput::disconnect_too_many_websockets;
    case DisconnectReason::other:
      return LinkInput::disconnect_other;
  }
  return LinkInput::disconnect_other;
}

LinkInput link_input_for(const SocketModeFrame& frame) {
  return std::visit(
      [](const auto& f) {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, HelloFrame>) return LinkInput::hello;
        if constexpr (std::is_same_v<F, DisconnectFrame>) return link_input_for(f.reason);
        if constexpr (std::is_same_v<F, Envelope>) return LinkInput::envelope;
        if constexpr (std::is_same_v<F, UnknownFrame>) return LinkInput::unknown_frame;
      },
      frame);
}

std::string_view to_string(LinkState state) {
  switch (state) {
    case LinkState::connecting:
      return "connecting";
    case LinkState::open:
      return "open";
    case LinkState::draining:
      return "draining";
    case LinkState::closed:
      return "closed";
  }
  return "unknown";
}

std::string_view to_string(LinkAction action) {
  switch (action) {
    case LinkAction::none:
      return "none";
    case LinkAction::mark_open:
      return "mark_open";
    case LinkAction::ack_and_dispatch:
      return "ack_and_dispatch";
    case LinkAction::connect_successor:
      return "connect_successor";
    case LinkAction::stop_link_disabled:
      return "stop_link_disabled";
    case LinkAction::close_and_back_off:
      return "close_and_back_off";
    case LinkAction::reconnect_with_backoff:
      return "reconnect_with_backoff";
    case LinkAction::forget:
      return "forget";
  }
  return "unknown";
}

}  // namespace bridgebot::slack
