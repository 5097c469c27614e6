#include "admin_context.h"

#include <iostream>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/log.h"
#include "bridgebot/store/sqlite_store.h"

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
  const std::string& url = context->config.store_url;
  if (url.rfind("sqlite:", 0) != 0) {
    return make_error("not_implemented", "only sqlite:PATH stores are supported");
  }
  const std::string path = url.substr(7);
  auto store = store::open_sqlite_store(path);
  if (!store.ok()) return store.error();
  context->store = std::move(*store);
  bool created = false;
  auto key = core::load_or_create_key(context->config.encryption_key, path + ".key", created);
  if (!key.ok()) return key.error();
  std::vector<std::string> previous;
  if (!previous_key.empty()) {
    auto old = core::decode_key(previous_key);
    if (!old.ok()) return old.error();
    previous.push_back(*old);
  }
  context->box = std::make_unique<core::SecretBox>(*key, previous);
  context->slack = std::make_unique<SlackClient>(context->config);
  bridge::InstallationServiceOptions options;
  if (const auto& oauth = context->config.slack.oauth) {
    options.oauth = slack::OAuthClient{oauth->client_id, oauth->client_secret};
  }
  context->installations = std::make_unique<bridge::InstallationService>(
      *context->store, context->slack->api, *context->box, core::system_clock(), options);
  return context;
}

}  // namespace bridgebot::cli
