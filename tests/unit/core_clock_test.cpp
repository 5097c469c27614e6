#include <catch2/catch.hpp>

#include "bridgebot/core/clock.h"

using namespace std::chrono_literals;

TEST_CASE("FakeClock moves only when advanced", "[core][clock]") {
  bridgebot::core::FakeClock clock(1000);
  auto start = clock.now();
  REQUIRE(clock.now() == start);
  clock.advance(1500ms);
  REQUIRE(clock.now() - start == 1500ms);
  REQUIRE(clock.unix_seconds() == 1001);
}
