#include <catch2/catch.hpp>

#include "bridgebot/bridge/dm_channels.h"

using bridgebot::bridge::DmChannels;

TEST_CASE("DM channels are remembered per workspace and user, and forgotten on request",
          "[bridge][dm_channels]") {
  DmChannels channels;
  channels.remember("T1", "U1", "D1");
  channels.remember("T2", "U1", "D9");
  CHECK(channels.find("T1", "U1") == "D1");
  CHECK(channels.find("T2", "U1") == "D9");
  CHECK_FALSE(channels.find("T1", "U2"));
  channels.forget("T1", "U1");
  CHECK_FALSE(channels.find("T1", "U1"));
  CHECK(channels.find("T2", "U1") == "D9");
}

TEST_CASE("when full, the least recently used DM channel makes room", "[bridge][dm_channels]") {
  DmChannels channels(2);
  channels.remember("T1", "U1", "D1");
  channels.remember("T1", "U2", "D2");
  CHECK(channels.find("T1", "U1") == "D1");  // U1 is now the most recent
  channels.remember("T1", "U3", "D3");
  CHECK(channels.size() == 2);
  CHECK_FALSE(channels.find("T1", "U2"));
  CHECK(channels.find("T1", "U1") == "D1");
  CHECK(channels.find("T1", "U3") == "D3");
}
