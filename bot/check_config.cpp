#include <iostream>

#include "bridgebot/core/config.h"
#include "commands.h"

namespace bridgebot::cli {

int check_config(const std::string& config_path) {
  std::vector<core::ConfigProblem> problems;
  auto config = core::load_config_file(config_path, core::process_environment(), &problems);
  if (!config.ok()) {
    std::cerr << config_path << ": " << config.error().message << "\n";
    return 1;
  }
  std::cout << config_path << ": configuration is valid\n"
            << "  socket mode: "
            << (core::uses_socket_mode(config->slack)
                    ? std::to_string(config->slack.socket_mode_connections) + " connection(s)"
                    : std::string("disabled"))
            << "\n  events: "
            << (config->slack.events_mode == "http"     ? "over HTTP at /slack/events"
                : core::uses_socket_mode(config->slack) ? "over Socket Mode"
                                                        : "none (Socket Mode disabled)")
            << "\n  platform API: " << config->platform.listen
            << "\n  store: " << core::without_password(config->store_url)
            << "\n  notification routes: " << config->routes.size() << "\n";
  return 0;
}

}  // namespace bridgebot::cli
