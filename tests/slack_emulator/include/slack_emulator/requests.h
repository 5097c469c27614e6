// Builders for requests to drive Emulator::handle() directly, as a Slack client would send them
// over HTTP. For unit tests and for poking at the sandbox without sockets.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <utility>
#include <vector>

#include "bridgebot/net/http.h"

namespace bridgebot::emulator {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// POST /api/<method>, form-encoded, token as `Authorization: Bearer` (none when empty).
net::HttpRequest web_api_form_request(const std::string& method, const std::string& token,
                                      const FormFields& fields = {});
// POST /api/<method> with a JSON body.
net::HttpRequest web_api_json_request(const std::string& method, const std::string& token,
                                      std::string json_body);
// POST /services/<webhook_id> with a JSON body.
net::HttpRequest webhook_request(const std::string& webhook_id, std::string json_body);

// The response body parsed as JSON (a null document when it is not JSON).
rapidjson::Document parse_body(const net::HttpResponse& response);

}  // namespace bridgebot::emulator
