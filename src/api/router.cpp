#include "bridgebot/api/router.h"

#include "bridgebot/core/json.h"

namespace bridgebot::api {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
           PathParams& params) {
  if (pattern.size() != segments.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      params[p.substr(1, p.size() - 2)] = net::url_decode(segments[i]);
    } else if (p != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back({std::move(method), split_path(pattern), std::move(handler)});
}

void Router::dispatch(const net::HttpRequest& request, net::Responder respond) const {
  const auto segments = split_path(request.path());
  bool path_known = false;
  for (const auto& route : routes_) {
    PathParams params;
    if (!match(route.segments, segments, params)) continue;
    path_known = true;
    if (route.method == request.method) {
      route.handler(request, params, std::move(respond));
      return;
    }
  }
  if (path_known) {
    respond(error_response(405, "method_not_allowed",
                           request.method + " is not supported on " + request.path()));
  } else {
    respond(error_response(404, "not_found", "no such endpoint: " + request.path()));
  }
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const auto& route : routes_) {
    std::string line = route.method + " ";
    for (const auto& segment : route.segments) line += "/" + segment;
    out.push_back(route.segments.empty() ? line + "/" : line);
  }
  return out;
}

net::HttpResponse json_response(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "application/json; charset=utf-8");
  response.body = std::move(body);
  return response;
}

net::HttpResponse error_response(int status, const Error& error) {
  std::string body = "{\"error\":" + core::json_quote(error.code) + ",\"message\":" +
                     core::json_quote(error.message.empty() ? error.code : error.message);
  if (!error.field.empty()) body += ",\"field\":" + core::json_quote(error.field);
  body += "}";
  return json_response(status, std::move(body));
}

net::HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return error_response(status, make_error(code, message));
}

}  // namespace bridgebot::api
