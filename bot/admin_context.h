// What the admin commands open from a configuration file: the store, the SecretBox with the
// configured key (or the key file beside the SQLite store, as `run` uses it), and a Slack client
// that fails fast (one attempt: a person is waiting at the terminal).
#pragma once

#include <memory>
#include <string>

#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/web_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::cli {

// The configuration, with every problem printed to stderr when it does not load.
Result<core::Config> load_admin_config(const std::string& path);

// A Slack client for one-shot commands. Members are declared in dependency order.
struct SlackClient {
  explicit SlackClient(const core::Config& config);
  std::unique_ptr<net::HttpClient> http;
  slack::RateLimiter limiter;
  slack::WebApi api;
};

// Everything the installation commands use; built by open_admin_context.
struct AdminContext {
  core::Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::SecretBox> box;
  std::unique_ptr<SlackClient> slack;
  std::unique_ptr<bridge::InstallationService> installations;
};

// `previous_key` (base64/hex, optional) is accepted for opening only (rotate-key).
Result<std::unique_ptr<AdminContext>> open_admin_context(const std::string& config_path,
                                                         const std::string& previous_key = {});

// What a one-shot command can tell of Socket Mode without running the bot: "disabled" when the
// config does not use it, "auth_failed" when Slack refuses slack.app_token, "app token accepted"
// when apps.connections.open hands out a URL (left unused: it expires), else what went wrong.
std::string socket_mode_from_cli(slack::SlackApi& slack, const core::Config& config);

// Prints a Test Connection report for a person at a terminal; returns the exit code (0 or 1).
int print_connection_report(const bridge::ConnectionReport& report);

}  // namespace bridgebot::cli
