// The subcommands of the bridgebot CLI. Each returns the process exit code.
#pragma once

#include <string>

namespace bridgebot::cli {

int check_config(const std::string& config_path);

}  // namespace bridgebot::cli
