// The life of one Socket Mode connection as a pure transition table. Every state has a defined
// answer to every frame (a disconnect in an unexpected state crashed other clients): the
// supervisor and the connection handler only carry out the returned action.
#pragma once

#include <string_view>

#include "bridgebot/slack/socket_mode_frames.h"

namespace bridgebot::slack {

enum class LinkState {
  connecting,  // socket up (or coming up), no hello yet
  open,        // hello received: counts as a usable connection
  draining,    // Slack asked us to move: a successor is being connected, this one still acks
  closed,      // gone; late input is ignored
};

enum class LinkInput {
  hello,
  disconnect_warning,
  disconnect_refresh_requested,
  disconnect_link_disabled,
  disconnect_too_many_websockets,
  disconnect_other,
  envelope,
  unknown_frame,
  socket_closed,  // close frame, network error or liveness timeout
};

enum class LinkAction {
  none,
  mark_open,               // record the hello; close the predecessor this link replaces
  ack_and_dispatch,        // queue for the handler, which records it; then ack
  connect_successor,       // connect a replacement now (no backoff), close this one after its hello
  stop_link_disabled,      // close every socket and stop reconnecting: Socket Mode is off
  close_and_back_off,      // close this socket (1000), reconnect after a backoff delay
  reconnect_with_backoff,  // the socket is gone: replace it after a backoff delay
  forget,                  // the socket is gone and already replaced: nothing to do
};

struct LinkTransition {
  LinkState next;
  LinkAction action;
};

LinkTransition next_link_state(LinkState state, LinkInput input);

LinkInput link_input_for(const SocketModeFrame& frame);
LinkInput link_input_for(DisconnectReason reason);

std::string_view to_string(LinkState state);
std::string_view to_string(LinkAction action);

}  // namespace bridgebot::slack
