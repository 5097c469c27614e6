// The YAML configuration an operator writes: any text is either a configuration or a list of
// problems, never a crash; a configuration that parses keeps its secrets listed for redaction.
#include <string>

#include "bridgebot/core/config.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));
  std::vector<core::ConfigProblem> problems;
  auto config = core::parse_config(
      text, [](const std::string&) { return std::optional<std::string>("from-env"); }, &problems);
  if (config.ok()) {
    fuzz::check(problems.empty(), "a valid configuration has no problems");
    for (const auto& secret : config->secrets()) {
      fuzz::check(!secret.empty(), "only real secrets are registered for redaction");
    }
  } else {
    fuzz::check(!problems.empty(), "a refused configuration says why");
  }
  return 0;
}
