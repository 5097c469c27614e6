#include <iostream>

#include "bridgebot/slack/manifest.h"
#include "installs_commands.h"

namespace bridgebot::cli {

int manifest_command(const std::string& redirect_url) {
  slack::ManifestOptions options;
  if (!redirect_url.empty()) options.redirect_urls.push_back(redirect_url);
  std::cout << slack::app_manifest_yaml(options);
  return 0;
}

}  // namespace bridgebot::cli
