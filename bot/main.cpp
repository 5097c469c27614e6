// bridgebot command line: wires the layers together; holds no business rules.
#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"bridgebot: relays platform mentions and notifications into Slack"};
  app.require_subcommand(1);

  auto* version = app.add_subcommand("version", "Print the version");
  version->callback([] { std::cout << "bridgebot " << BRIDGEBOT_VERSION << "\n"; });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
