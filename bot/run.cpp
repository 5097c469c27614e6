#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <iostream>

#include "app.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/log.h"
#include "commands.h"
#include "signals.h"

namespace bridgebot::cli {
namespace {

// Up to 1,000 platform API connections (the server's cap) plus the store's files and the Slack
// connections need more descriptors than the usual soft limit of 1,024: take what the hard limit
// allows, up to 65,536. Past the limit the server pauses accepting rather than failing.
void raise_open_file_limit() {
  constexpr rlim_t kWanted = 65'536;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= kWanted) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? kWanted : std::min(limit.rlim_max, kWanted);
  if (limit.rlim_cur > before && ::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::debug("open file limit raised from {} to {}", before, limit.rlim_cur);
  }
}

}  // namespace

int run(const std::string& config_path) {
  auto config = core::load_config_file(config_path, core::process_environment());
  if (!config.ok()) {
    std::cerr << config_path << ": " << config.error().message << "\n";
    return 1;
  }
  core::init_logging({config->log_level, config->log_format, config->secrets()});
  raise_open_file_limit();
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
