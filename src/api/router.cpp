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

// Walks a request path's segments as split_path splits them (the first character skipped, empty
// segments dropped), without copying: dispatch runs for every request.
class SegmentCursor {
 public:
  explicit SegmentCursor(std::string_view path) : rest_(path.substr(path.empty() ? 0 : 1)) {}

  bool next(std::string_view& segment) {
    while (!rest_.empty() && rest_.front() == '/') rest_.remove_prefix(1);
    if (rest_.empty()) return false;
    segment = rest_.substr(0, rest_.find('/'));
    rest_.remove_prefix(segment.size());
    return true;
  }

 private:
  std::string_view rest_;
};

// Whether `path` matches the pattern's segments; the captures go to `params` when given.
bool match(const std::vector<std::string>& pattern, std::string_view path, PathParams* params) {
  SegmentCursor cursor(path);
  std::string_view segment;
  for (const std::string& p : pattern) {
    if (!cursor.next(segment)) return false;
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (params != nullptr) (*params)[p.substr(1, p.size() - 2)] = net::url_decode(segment);
    } else if (p != segment) {
      return false;
    }
  }
  return !cursor.next(segment);
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back({std::move(method), split_path(pattern), std::move(handler)});
}

void Router::dispatch(const net::HttpRequest& request, net::Responder respond) const {
  const std::string_view path = request.path_view();
  bool path_known = false;
  for (const auto& route : routes_) {
    if (!match(route.segments, path, nullptr)) continue;
    path_known = true;
    if (route.method == request.method) {
      PathParams params;
      match(route.segments, path, &params);
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
