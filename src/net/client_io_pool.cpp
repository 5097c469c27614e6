#include "client_io_pool.h"

#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "bridgebot/core/thread_name.h"

namespace bridgebot::net::detail {
namespace {

constexpr int kClientIoThreads = 2;

thread_local bool is_client_io_thread = false;

struct ClientIoPool {
  ClientIoPool() : work(io.get_executor()) {
    for (int i = 0; i < kClientIoThreads; ++i) {
      std::thread([this] {
        core::name_this_thread("websocket-io");
        is_client_io_thread = true;
        // A handler that throws must not take the pool down with it: log-free by design (net has
        // no logger), the connection concerned reports its own failure.
        for (;;) {
          try {
            io.run();
            return;
          } catch (...) {
          }
        }
      }).detach();
    }
  }
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
};

}  // namespace

boost::asio::io_context& client_io_context() {
  // Deliberately leaked: destroying it at exit would race with detached threads still running it.
  static ClientIoPool* pool = new ClientIoPool();
  return pool->io;
}

bool on_client_io_thread() {
  return is_client_io_thread;
}

}  // namespace bridgebot::net::detail
