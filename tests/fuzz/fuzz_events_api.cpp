// Events API requests as anyone on the network may POST them to /slack/events. The input is split
// at the first two newlines into timestamp header, signature header and body. Checking and
// parsing never crash; a body signed with the secret verifies and a changed one does not.
#include <string>

#include "bridgebot/slack/events_api.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const auto first = input.find('\n');
  const auto second = first == std::string_view::npos ? first : input.find('\n', first + 1);
  const std::string_view timestamp = input.substr(0, first);
  const std::string_view signature = first == std::string_view::npos
                                         ? std::string_view{}
                                         : input.substr(first + 1, second - first - 1);
  const std::string_view body = second == std::string_view::npos ? input : input.substr(second + 1);
  constexpr std::int64_t kNow = 1'700'000'000;

  (void)slack::verify_slack_signature("secret", timestamp, signature, body, kNow);
  (void)slack::parse_events_api_request(body);
  const std::string good = slack::slack_signature("secret", kNow, body);
  fuzz::check(slack::verify_slack_signature("secret", std::to_string(kNow), good, body, kNow).ok(),
              "a signature made with the secret verifies");
  const std::string changed = std::string(body) + "x";
  fuzz::check(
      !slack::verify_slack_signature("secret", std::to_string(kNow), good, changed, kNow).ok(),
      "a changed body is refused");
  return 0;
}
