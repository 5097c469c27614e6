// X-Bridge-Timestamp / X-Bridge-Signature headers and bodies as anyone on the network may send
// them. The input is split at newlines into secret, timestamp header, signature header and body.
// Verification never crashes, accepts what sign_request made, and refuses a changed body.
#include <string>
#include <vector>

#include "bridgebot/api/signature.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 3) {
    const auto end = input.find('\n', start);
    if (end == std::string_view::npos) break;
    parts.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  parts.resize(3);
  const std::string_view body = input.substr(std::min(start, input.size()));
  const std::string_view secret = parts[0].empty() ? "secret" : parts[0];
  constexpr std::int64_t kNow = 1'700'000'000;

  (void)api::verify_request(secret, parts[1], parts[2], body, kNow);
  const std::string signature = api::sign_request(secret, kNow, body);
  fuzz::check(api::verify_request(secret, std::to_string(kNow), signature, body, kNow).ok(),
              "a signature made with the secret verifies");
  const std::string changed = std::string(body) + "x";
  fuzz::check(!api::verify_request(secret, std::to_string(kNow), signature, changed, kNow).ok(),
              "a changed body is refused");
  return 0;
}
