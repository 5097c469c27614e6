// The subcommands of the bridgebot CLI. Each returns the process exit code.
#pragma once

#include <string>

namespace bridgebot::cli {

int check_config(const std::string& config_path);
int run(const std::string& config_path);

struct SandboxOptions {
  std::string listen = "127.0.0.1:8080";
  std::string store_path = "bridgebot-sandbox.db";
};
int sandbox(const SandboxOptions& options);

struct SendOptions {
  std::string api = "http://127.0.0.1:8080";
  std::string secret;
  std::string id;  // empty: a random one
  std::string from_email;
  std::string from_name;
  std::string to_email;
  std::string text;
  bool external = false;
};
int send(const SendOptions& options);

}  // namespace bridgebot::cli
