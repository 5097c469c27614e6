#include "responses.h"

#include <utility>

namespace bridgebot::emulator {

net::HttpResponse json_response(int status, const rapidjson::Value& body) {
  net::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "application/json; charset=utf-8");
  response.body = to_json(body);
  return response;
}

net::HttpResponse web_api_error(const std::string& code) {
  rapidjson::Document body;
  body.SetObject();
  add_bool(body, "ok", false, body.GetAllocator());
  add_string(body, "error", code, body.GetAllocator());
  return json_response(200, body);
}

net::HttpResponse web_api_ratelimited(std::chrono::seconds retry_after) {
  rapidjson::Document body;
  body.SetObject();
  add_bool(body, "ok", false, body.GetAllocator());
  add_string(body, "error", "ratelimited", body.GetAllocator());
  net::HttpResponse response = json_response(429, body);
  response.headers.set("Retry-After", std::to_string(retry_after.count()));
  return response;
}

net::HttpResponse text_response(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

}  // namespace bridgebot::emulator
