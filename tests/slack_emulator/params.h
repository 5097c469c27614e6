// The parameters of one Web API call, gathered from the query string and a form-encoded or JSON
// body as Slack accepts them. JSON values that are not strings (blocks, view, booleans) are kept
// as their JSON text, which is what a form-encoded client sends for them too.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"

namespace bridgebot::emulator {

class Params {
 public:
  // Errors: invalid_json (a JSON body that is not an object), as Slack answers.
  static Result<Params> from_request(const net::HttpRequest& request);

  // The value, or "" when absent.
  std::string get(std::string_view name) const;
  bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
  const std::map<std::string, std::string>& all() const& { return values_; }
  // The values moved out, for a call's record once nothing reads them any more.
  std::map<std::string, std::string> all() && { return std::move(values_); }
  void erase(std::string_view name) { values_.erase(std::string(name)); }

 private:
  void add_form_fields(std::string_view encoded);

  std::map<std::string, std::string> values_;
};

// The token of a Web API call: `Authorization: Bearer …` first, else a `token` parameter.
std::string token_of(const net::HttpRequest& request, const Params& params);

}  // namespace bridgebot::emulator
