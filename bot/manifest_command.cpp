#include <iostream>

#include "bridgebot/slack/manifest.h"
#include "installs_commands.h"

namespace bridgebot::cli {

int manifest_command(const std::string& redirect_url, const std::string& events_mode,
                     const std::string& request_url, bool replies) {
  slack::ManifestOptions options;
  options.replies = replies;
  if (!redirect_url.empty()) options.redirect_urls.push_back(redirect_url);
  if (events_mode == "http") {
    if (request_url.empty()) {
      std::cerr << "--events http needs --request-url: the public URL of /slack/events, e.g. "
                   "https://bridge.example.com/slack/events\n";
      return 2;
    }
    options.request_url = request_url;
  } else if (!request_url.empty()) {
    std::cerr << "--request-url is for --events http\n";
    return 2;
  }
  std::cout << slack::app_manifest_yaml(options);
  return 0;
}

}  // namespace bridgebot::cli
