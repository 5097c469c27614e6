// Where personal Connect may send the browser back (POST /v1/users/{id}/connect "return_to"):
// the URL goes into a Location header, so it must not split the header (CR/LF) nor lead anywhere
// but the platform (an open redirect). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"

namespace bridgebot::api {

// ok when `url` is an http(s) URL without spaces, control characters or backslashes whose origin
// (scheme, host, port; case and default ports aside) is one of `allowed_origins`
// (platform.return_to_origins). Otherwise invalid_field with field "return_to"; an empty list
// refuses every URL and says which key to set.
Status check_return_to(std::string_view url, const std::vector<std::string>& allowed_origins);

}  // namespace bridgebot::api
