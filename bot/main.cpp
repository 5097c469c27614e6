// bridgebot command line: wires the layers together; holds no business rules.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "installs_commands.h"
#include "signals.h"

int main(int argc, char** argv) {
  bridgebot::cli::block_termination_signals();
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

  auto* run = app.add_subcommand("run", "Run the bridge with a configuration file");
  run->add_option("--config,-c", config_path, "YAML configuration file")->required();
  run->callback([&] { exit_code = bridgebot::cli::run(config_path); });

  bridgebot::cli::SandboxOptions sandbox_options;
  auto* sandbox = app.add_subcommand(
      "sandbox", "Run the bridge against a built-in Slack emulator with a demo workspace");
  sandbox->add_option("--listen", sandbox_options.listen, "Platform API address")
      ->capture_default_str();
  sandbox->add_option("--store", sandbox_options.store_path, "SQLite file (recreated)")
      ->capture_default_str();
  sandbox->callback([&] { exit_code = bridgebot::cli::sandbox(sandbox_options); });

  bridgebot::cli::SendOptions send_options;
  auto* send = app.add_subcommand("send", "Sign and post one mention message to a running bridge");
  send->add_option("--api", send_options.api, "bridgebot's base URL")->capture_default_str();
  send->add_option("--secret", send_options.secret, "platform.signing_secret")->required();
  send->add_option("--from", send_options.from_email, "Sender's email")->required();
  send->add_option("--from-name", send_options.from_name, "Sender's display name");
  send->add_option("--to", send_options.to_email, "Recipient's email")->required();
  send->add_option("--text", send_options.text, "Message text")->required();
  send->add_option("--id", send_options.id, "Message id (idempotency key); default random");
  send->add_flag("--external", send_options.external, "The sender is an outside visitor");
  send->callback([&] { exit_code = bridgebot::cli::send(send_options); });

  bridgebot::cli::add_installs_commands(app, exit_code);

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
