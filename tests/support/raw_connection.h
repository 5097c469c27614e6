// A bare TCP client to 127.0.0.1 for tests that must misbehave on purpose: hold a connection open
// without a request, trickle bytes, send a body the server refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace bridgebot::test {

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);  // connected() tells whether it worked
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // false once the peer has closed or reset the connection.
  bool send(std::string_view bytes);
  // What arrives within `limit`, stopping early when the peer closes or, with a `marker`, as soon
  // as what arrived contains it.
  std::string read_for(std::chrono::milliseconds limit, std::string_view marker = {});
  // Whether the peer closes (end of stream or reset) within `limit`; what it sent meanwhile is
  // discarded.
  bool closed_within(std::chrono::milliseconds limit);

 private:
  int fd_ = -1;
};

}  // namespace bridgebot::test
