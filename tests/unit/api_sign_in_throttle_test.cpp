// The admin console's sign-in throttle: how many wrong tokens an address may send, for how long
// it is then shut out, and that its memory stays bounded.
#include <catch2/catch.hpp>

#include "bridgebot/api/sign_in_throttle.h"

using namespace bridgebot;
using namespace std::chrono_literals;

TEST_CASE("after five wrong tokens an address waits out the window, even with the right token",
          "[api][throttle]") {
  core::FakeClock clock;
  api::SignInThrottle throttle(clock, {5, 15min, 100});
  for (int i = 0; i < 4; ++i) {
    CHECK(throttle.retry_after("10.0.0.7") == 0);
    throttle.failed("10.0.0.7");
    clock.advance(1s);
  }
  CHECK(throttle.retry_after("10.0.0.7") == 0);  // the fifth try is still allowed
  throttle.failed("10.0.0.7");
  // Shut out until 15 minutes after the first failure (4 s ago).
  CHECK(throttle.retry_after("10.0.0.7") == 15 * 60 - 4);
  CHECK(throttle.retry_after("10.0.0.8") == 0);  // other addresses are not affected

  clock.advance(15min - 5s);
  CHECK(throttle.retry_after("10.0.0.7") == 1);
  clock.advance(1s);
  CHECK(throttle.retry_after("10.0.0.7") == 0);
  throttle.failed("10.0.0.7");  // a fresh window: one failure so far
  CHECK(throttle.retry_after("10.0.0.7") == 0);
}

TEST_CASE("a good sign-in clears the address's failures", "[api][throttle]") {
  core::FakeClock clock;
  api::SignInThrottle throttle(clock, {3, 15min, 100});
  throttle.failed("10.0.0.7");
  throttle.failed("10.0.0.7");
  throttle.succeeded("10.0.0.7");
  throttle.failed("10.0.0.7");
  throttle.failed("10.0.0.7");
  CHECK(throttle.retry_after("10.0.0.7") == 0);
}

TEST_CASE("the throttle remembers at most max_addresses, dropping the oldest first",
          "[api][throttle]") {
  core::FakeClock clock;
  api::SignInThrottle throttle(clock, {1, 15min, 3});
  for (const char* address : {"a", "b", "c", "d"}) {
    throttle.failed(address);
    clock.advance(1s);
  }
  CHECK(throttle.retry_after("a") == 0);  // forgotten to make room for "d"
  CHECK(throttle.retry_after("b") > 0);
  CHECK(throttle.retry_after("d") > 0);
}

TEST_CASE("failures count per host, not per connection", "[api][throttle]") {
  CHECK(api::client_host("127.0.0.1:53211") == "127.0.0.1");
  CHECK(api::client_host("::1:53211") == "::1");
  CHECK(api::client_host("") == "");
}
