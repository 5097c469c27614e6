#include "params.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace bridgebot::emulator {
namespace {

bool is_json(const net::HttpRequest& request) {
  return request.headers.get("Content-Type").find("application/json") != std::string::npos;
}

std::string json_text(const rapidjson::Value& value) {
  if (value.IsString()) return {value.GetString(), value.GetStringLength()};
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

void Params::add_form_fields(std::string_view encoded) {
  while (!encoded.empty()) {
    auto amp = encoded.find('&');
    std::string_view pair = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view{} : encoded.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = net::url_decode(pair.substr(0, eq));
    values_[name] =
        eq == std::string_view::npos ? std::string{} : net::url_decode(pair.substr(eq + 1));
  }
}

Result<Params> Params::from_request(const net::HttpRequest& request) {
  Params params;
  auto question = request.target.find('?');
  if (question != std::string::npos) {
    params.add_form_fields(std::string_view(request.target).substr(question + 1));
  }
  if (!is_json(request)) {
    params.add_form_fields(request.body);
    return params;
  }
  rapidjson::Document body;
  body.Parse(request.body.data(), request.body.size());
  if (body.HasParseError() || !body.IsObject()) {
    return make_error("invalid_json", "the JSON body is not an object");
  }
  for (const auto& member : body.GetObject()) {
    params.values_[member.name.GetString()] = json_text(member.value);
  }
  return params;
}

std::string Params::get(std::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? std::string{} : it->second;
}

std::string token_of(const net::HttpRequest& request, const Params& params) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string authorization = request.headers.get("Authorization");
  if (authorization.compare(0, kBearer.size(), kBearer) == 0) {
    return authorization.substr(kBearer.size());
  }
  return params.get("token");
}

}  // namespace bridgebot::emulator
