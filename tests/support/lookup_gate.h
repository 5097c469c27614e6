// Host name lookups for net tests (ClientOptions::host_lookup, WebSocketClientOptions::
// host_lookup) that find 127.0.0.1 for every name, but for one name only once the test opens the
// gate: a name server that never answers, without touching the machine's resolver.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"

namespace bridgebot::test {

// Shared with the clients' lookup threads, which may outlive the client.
struct LookupGate {
  void open() {
    {
      std::lock_guard lock(mutex);
      opened = true;
    }
    changed.notify_all();
  }
  int hanging() {
    std::lock_guard lock(mutex);
    return lookups_hanging;
  }

  std::mutex mutex;
  std::condition_variable changed;
  bool opened = false;
  int lookups_hanging = 0;
};

// Looking up `hung_name` waits for the gate (120 s at most); any other name answers at once.
inline net::HostLookup lookup_hanging_for(std::string hung_name, std::shared_ptr<LookupGate> gate) {
  return [hung_name = std::move(hung_name),
          gate = std::move(gate)](const std::string& host) -> Result<std::vector<std::string>> {
    if (host == hung_name) {
      std::unique_lock lock(gate->mutex);
      ++gate->lookups_hanging;
      gate->changed.wait_for(lock, std::chrono::seconds(120), [&] { return gate->opened; });
      --gate->lookups_hanging;
    }
    return std::vector<std::string>{"127.0.0.1"};
  };
}

}  // namespace bridgebot::test
