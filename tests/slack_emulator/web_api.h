// The Web API methods the emulator knows, one handler per method, grouped by family in
// web_api_<family>.cpp. The Emulator authenticates, checks scopes, applies faults and rate limits
// before a handler runs; a handler only does the method's own work.
#pragma once

#include <random>
#include <string>
#include <string_view>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/result.h"
#include "json.h"
#include "params.h"
#include "slack_emulator/emulator.h"
#include "slack_emulator/rate_limits.h"
#include "slack_emulator/state.h"

namespace bridgebot::emulator {

// Everything a handler may read or change. The Emulator's mutex is held throughout.
struct MethodCall {
  State& state;
  const Params& params;
  const Token& token;  // valid, of an existing workspace
  const Workspace& workspace;
  const EmulatorOptions& options;
  core::Clock& clock;
  std::mt19937_64& random;
  rapidjson::Document& reply;  // an object already holding "ok":true; handlers add fields

  JsonAllocator& allocator() { return reply.GetAllocator(); }
};

// Returns ok, or an Error whose code is the Slack error to answer with.
using MethodHandler = Status (*)(MethodCall& call);

struct MethodSpec {
  std::string_view name;
  MethodHandler handler;
  std::string_view required_scope;  // "" when any token of the right kind will do
  bool app_token_only;              // apps.*: app tokens only; every other method refuses them
  Tier tier;
};

// The method called `name`, or nullptr (the Emulator answers unknown_method).
const MethodSpec* find_method(std::string_view name);

// A Slack error as a handler returns it.
inline Status slack_error(std::string code) {
  return make_error(std::move(code));
}

// Handlers, by family.
Status auth_test(MethodCall& call);
Status auth_revoke(MethodCall& call);
Status apps_connections_open(MethodCall& call);
Status users_lookup_by_email(MethodCall& call);
Status users_list(MethodCall& call);
Status users_info(MethodCall& call);
Status chat_post_message(MethodCall& call);
Status chat_update(MethodCall& call);
Status conversations_open(MethodCall& call);
Status views_publish(MethodCall& call);

}  // namespace bridgebot::emulator
