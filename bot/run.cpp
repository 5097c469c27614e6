#include <spdlog/spdlog.h>

#include <iostream>

#include "app.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/log.h"
#include "commands.h"
#include "signals.h"

namespace bridgebot::cli {

int run(const std::string& config_path) {
  auto config = core::load_config_file(config_path, core::process_environment());
  if (!config.ok()) {
    std::cerr << config_path << ": " << config.error().message << "\n";
    return 1;
  }
  core::init_logging({config->log_level, config->log_format, config->secrets()});
  App app(*config);
  if (auto started = app.start(); !started.ok()) {
    spdlog::error("cannot start: {}", started.error().to_string());
    return 1;
  }
  spdlog::info("bridgebot is running; SIGINT or SIGTERM stops it");
  while (!wait_for_termination(std::chrono::seconds(3600))) {
  }
  spdlog::info("stopping");
  app.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace bridgebot::cli
