// X-Bridge-Timestamp / X-Bridge-Signature headers and bodies as anyone on the network may send
// them. The input is split at newlines into secret, timestamp header, signature header, request
// target and body. Verification never crashes, accepts what sign_v2 made, and refuses a changed
// body, method or target.
#include <string>
#include <vector>

#include "bridgebot/api/signature.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 4) {
    const auto end = input.find('\n', start);
    if (end == std::string_view::npos) break;
    parts.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  parts.resize(4);
  const std::string_view body = input.substr(std::min(start, input.size()));
  const std::string_view secret = parts[0].empty() ? "secret" : parts[0];
  const std::string_view target = parts[3];
  constexpr std::int64_t kNow = 1'700'000'000;
  const std::string ts = std::to_string(kNow);

  (void)api::verify_request(secret, {"POST", target, parts[1], parts[2], body}, true, kNow);
  const std::string signature = api::sign_v2(secret, kNow, "POST", target, body);
  fuzz::check(api::verify_request(secret, {"POST", target, ts, signature, body}, false, kNow).ok(),
              "a v2 signature made with the secret verifies");
  const std::string changed = std::string(body) + "x";
  fuzz::check(
      !api::verify_request(secret, {"POST", target, ts, signature, changed}, true, kNow).ok(),
      "a changed body is refused");
  fuzz::check(
      !api::verify_request(secret, {"DELETE", target, ts, signature, body}, true, kNow).ok(),
      "a changed method is refused");
  const std::string other_target = std::string(target) + "/x";
  fuzz::check(
      !api::verify_request(secret, {"POST", other_target, ts, signature, body}, true, kNow).ok(),
      "a changed target is refused");
  return 0;
}
