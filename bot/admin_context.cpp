#include "admin_context.h"

#include <iostream>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/log.h"
#include "store_opening.h"

namespace bridgebot::cli {
namespace {

slack::RetryPolicy one_attempt() {
  slack::RetryPolicy policy;
  policy.max_attempts = 1;
  policy.max_wait = std::chrono::seconds(5);
  return policy;
}

net::ClientOptions client_options(const core::Config& config) {
  net::ClientOptions options;
  options.tls.ca_file = config.slack.tls_ca_file;
  options.tls.allow_plaintext = config.slack.tls_allow_plaintext;
  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(10);
  return options;
}

}  // namespace

Result<core::Config> load_admin_config(const std::string& path) {
  auto config = core::load_config_file(path, core::process_environment());
  if (!config.ok()) return config.error();
  for (const auto& secret : config->secrets()) core::register_secret(secret);
  return config;
}

SlackClient::SlackClient(const core::Config& config)
    : http(net::make_http_client(client_options(config))),
      limiter(core::system_clock()),
      api(*http, config.slack.api_base_url, core::system_clock(), limiter, one_attempt()) {}

Result<std::unique_ptr<AdminContext>> open_admin_context(const std::string& config_path,
                                                         const std::string& previous_key) {
  auto config = load_admin_config(config_path);
  if (!config.ok()) return config.error();
  auto context = std::make_unique<AdminContext>();
  context->config = std::move(*config);
  auto opened = open_configured_store(context->config);
  if (!opened.ok()) return opened.error();
  context->store = std::move(opened->store);
  std::vector<std::string> previous;
  if (!previous_key.empty()) {
    auto old = core::decode_key(previous_key);
    if (!old.ok()) return old.error();
    previous.push_back(*old);
  }
  context->box = std::make_unique<core::SecretBox>(opened->key, previous);
  context->slack = std::make_unique<SlackClient>(context->config);
  bridge::InstallationServiceOptions options;
  if (const auto& oauth = context->config.slack.oauth) {
    options.oauth = slack::OAuthClient{oauth->client_id, oauth->client_secret};
  }
  options.zendesk_sources = context->config.zendesk_sources;
  options.replies = !context->config.platform.reply_webhook_url.empty();
  options.post_message_per_workspace_per_minute =
      context->config.slack.post_message_per_workspace_per_minute;
  context->installations = std::make_unique<bridge::InstallationService>(
      *context->store, context->slack->api, *context->box, core::system_clock(), options);
  return context;
}

}  // namespace bridgebot::cli
