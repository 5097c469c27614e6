// Maps method + path patterns ("/v1/messages/{id}") to handlers. Pure: no sockets; the HTTP
// server hands each request to Router::dispatch.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http_server.h"

namespace bridgebot::api {

using PathParams = std::map<std::string, std::string>;
using RouteHandler =
    std::function<void(const net::HttpRequest&, const PathParams&, net::Responder)>;

class Router {
 public:
  // `pattern` segments in braces capture one path segment ("/v1/users/{user_id}/link").
  void add(std::string method, std::string pattern, RouteHandler handler);

  // Runs the matching handler; otherwise answers 404 not_found, or 405 method_not_allowed when
  // the path exists under another method.
  void dispatch(const net::HttpRequest& request, net::Responder respond) const;
  // Every route as "METHOD /pattern", in the order added (the OpenAPI test compares them with
  // docs/openapi.yaml).
  std::vector<std::string> routes() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// A JSON error body as the contract defines it: {"error", "message", "field"?}.
net::HttpResponse error_response(int status, const Error& error);
net::HttpResponse error_response(int status, const std::string& code, const std::string& message);
// A JSON response with the given body text.
net::HttpResponse json_response(int status, std::string body);

}  // namespace bridgebot::api
