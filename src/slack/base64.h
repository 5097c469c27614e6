// Standard base64 (RFC 4648, padded), for HTTP Basic credentials. Private to src/slack.
#pragma once

#include <string>
#include <string_view>

namespace bridgebot::slack {

std::string base64_encode(std::string_view bytes);

}  // namespace bridgebot::slack
