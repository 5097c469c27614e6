// Private to src/net: host name lookups for the asynchronous HTTP client, off its event loops.
//
// getaddrinfo blocks and cannot be cancelled, and Asio's async_resolve runs every lookup of an
// io_context on one thread of its own, so a lookup that hangs (a DNS server that never answers)
// would hold up every other host's behind it. HostLookups runs each host name's lookup on a thread
// of its own instead, up to a few at once, and shares one lookup among everyone waiting for that
// name. Callers bound their own wait; a lookup that ends after they gave up is dropped.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"

namespace bridgebot::net::detail {

// The system resolver: getaddrinfo for TCP, any address family, in its order.
Result<std::vector<std::string>> system_lookup(const std::string& host);

class HostLookups {
 public:
  using Answer = Result<std::vector<std::string>>;
  // Runs on a lookup thread (inside find() when no thread can be started), under HostLookups'
  // lock: it must only hand the answer on (post it to the caller's loop).
  using Done = std::function<void(const Answer&)>;

  HostLookups(HostLookup lookup, std::size_t max_threads);
  ~HostLookups();  // stop()
  HostLookups(const HostLookups&) = delete;
  HostLookups& operator=(const HostLookups&) = delete;

  // Looks `host` up, joining a lookup of it already under way or queued, and calls `done` with
  // the answer.
  void find(const std::string& host, Done done);

  // Drops every `done` not yet called; none is called once this returns. Lookups still running
  // finish on their threads (which own what they use) and their answers go nowhere.
  void stop();

 private:
  struct State;
  static void run(const std::shared_ptr<State>& state);
  static void fail_queued(State& state, const std::string& why);
  static void deliver(const std::vector<Done>& waiters, const Answer& answer);

  std::shared_ptr<State> state_;  // shared with the lookup threads, which are detached
};

}  // namespace bridgebot::net::detail
