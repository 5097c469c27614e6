// Private to src/net: the server's list of live connections, so that stop() can wind them down.
// Boost-free on purpose.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace bridgebot::net::detail {

// A server-side connection (HTTP or WebSocket) as HttpServer::stop() sees it.
class ServerConnection {
 public:
  virtual ~ServerConnection() = default;
  // Thread-safe. Finish the request in flight (HTTP) or send a 1001 close frame (WebSocket), then
  // close. An idle HTTP connection closes at once.
  virtual void shut_down_gracefully() = 0;
  // Only once the I/O threads have stopped: close the socket now and drop self-references.
  virtual void abandon() = 0;
};

// Thread-safe. Holds weak references only: a connection's lifetime is its own business.
class ConnectionRegistry {
 public:
  std::uint64_t add(std::weak_ptr<ServerConnection> connection) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    connections_.emplace(id, std::move(connection));
    return id;
  }

  void remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }

  bool empty() const {
    std::lock_guard lock(mutex_);
    return connections_.empty();
  }

  std::vector<std::shared_ptr<ServerConnection>> live() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<ServerConnection>> result;
    for (const auto& [id, weak] : connections_) {
      if (auto connection = weak.lock()) result.push_back(std::move(connection));
    }
    return result;
  }

 private:
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::weak_ptr<ServerConnection>> connections_;
};

}  // namespace bridgebot::net::detail
