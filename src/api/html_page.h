// The small HTML pages a browser sees during OAuth. Internal to src/api.
#pragma once

#include <string>
#include <string_view>

#include "bridgebot/net/http.h"

namespace bridgebot::api {

// Text with &, <, >, " and ' escaped for HTML.
std::string html_escape(std::string_view text);

// A page with a title and one paragraph (both escaped), never cached, sending no referrer.
net::HttpResponse html_page(int status, std::string_view title, std::string_view text);

}  // namespace bridgebot::api
