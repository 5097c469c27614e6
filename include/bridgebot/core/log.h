// Logging through spdlog. Every line passes a redaction filter first: Slack tokens of every kind,
// incoming-webhook URLs and each registered secret are replaced by "[redacted]", wherever they
// appear in the message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bridgebot::core {

// Pure: the text with tokens, webhook URLs and the given secrets replaced by "[redacted]".
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

struct LogOptions {
  std::string level = "info";   // trace|debug|info|warn|error
  std::string format = "text";  // text|json
  std::vector<std::string> secrets;
};

// Installs the redacting stderr logger as spdlog's default. Call once at start.
void init_logging(const LogOptions& options);

// Registers a secret learned at run time (a token read from the store, a refreshed token).
// Thread-safe.
void register_secret(std::string secret);

}  // namespace bridgebot::core
