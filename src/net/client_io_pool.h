// Private to src/net: the process-wide I/O threads that run client WebSocket connections.
#pragma once

#include <boost/asio/io_context.hpp>

namespace bridgebot::net::detail {

// Started on first use and never stopped: connections may outlive any owner we could name, so the
// pool lives until the process exits (its threads just wait in epoll).
boost::asio::io_context& client_io_context();

// True on one of the pool's threads, where blocking on the pool would deadlock.
bool on_client_io_thread();

}  // namespace bridgebot::net::detail
