// bridgebot command line: wires the layers together; holds no business rules.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "installs_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"bridgebot: relays platform mentions and notifications into Slack"};
  app.require_subcommand(1);
  int exit_code = 0;

  app.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "bridgebot " << BRIDGEBOT_VERSION << "\n";
  });

  std::string config_path;
  auto* check = app.add_subcommand("check-config",
                                   "Validate a configuration file without connecting anywhere");
  check->add_option("--config,-c", config_path, "YAML configuration file")->required();
  check->callback([&] { exit_code = bridgebot::cli::check_config(config_path); });

  bridgebot::cli::add_installs_commands(app, exit_code);

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
