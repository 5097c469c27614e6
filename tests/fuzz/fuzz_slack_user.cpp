// users.info / users.lookupByEmail / users.list members as Slack (or a proxy in between) may
// answer them: parsing never crashes, and a parsed user always has an id.
#include "bridgebot/slack/slack_user.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (auto user = slack::parse_slack_user_json(fuzz::as_text(data, size)); user.ok()) {
    fuzz::check(!user->id.empty(), "a parsed user has an id");
  }
  return 0;
}
