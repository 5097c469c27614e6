#include "slack_emulator/requests.h"

namespace bridgebot::emulator {
namespace {

net::HttpRequest post(std::string target, const std::string& token, std::string content_type,
                      std::string body) {
  net::HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers.set("Content-Type", std::move(content_type));
  if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
  request.body = std::move(body);
  request.remote_address = "127.0.0.1";
  return request;
}

}  // namespace

net::HttpRequest web_api_form_request(const std::string& method, const std::string& token,
                                      const FormFields& fields) {
  return post("/api/" + method, token, "application/x-www-form-urlencoded",
              net::form_encode(fields));
}

net::HttpRequest web_api_json_request(const std::string& method, const std::string& token,
                                      std::string json_body) {
  return post("/api/" + method, token, "application/json; charset=utf-8", std::move(json_body));
}

net::HttpRequest webhook_request(const std::string& webhook_id, std::string json_body) {
  return post("/services/" + webhook_id, "", "application/json", std::move(json_body));
}

rapidjson::Document parse_body(const net::HttpResponse& response) {
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  if (document.HasParseError()) document.SetNull();
  return document;
}

}  // namespace bridgebot::emulator
