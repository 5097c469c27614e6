// The HTTP answers the emulator sends, shaped as Slack's.
#pragma once

#include <chrono>
#include <string>

#include "bridgebot/net/http.h"
#include "json.h"

namespace bridgebot::emulator {

// HTTP `status` with a JSON body.
net::HttpResponse json_response(int status, const rapidjson::Value& body);
// HTTP 200 {"ok":false,"error":code}: how the Web API reports every error but 429 and 5xx.
net::HttpResponse web_api_error(const std::string& code);
// HTTP 429 with Retry-After and {"ok":false,"error":"ratelimited"}.
net::HttpResponse web_api_ratelimited(std::chrono::seconds retry_after);
// A plain-text answer: incoming webhooks, 5xx.
net::HttpResponse text_response(int status, std::string body);

}  // namespace bridgebot::emulator
