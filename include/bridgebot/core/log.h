// Logging through spdlog. Every line passes a redaction filter first: Slack tokens of every kind,
// incoming-webhook URLs and each registered secret are replaced by "[redacted]", wherever they
// appear in the message.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace bridgebot::core {

// Pure: the text with tokens, webhook URLs and the given secrets replaced by "[redacted]".
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

// The secrets log lines are cleaned of, each held once (longest first, so a secret that contains
// another is removed whole). Secrets shorter than 4 characters, and those the built-in token and
// webhook patterns already redact whole (every Slack token), are not held: memory is bounded by
// the distinct other secrets, not by how often a token is decrypted. Not thread-safe.
class SecretRegistry {
 public:
  // False when the secret was not added (short, covered by the patterns, or already held).
  bool add(std::string secret);
  bool holds(std::string_view secret) const;
  std::size_t size() const { return held_.size(); }
  std::string redact(std::string_view text) const;

 private:
  std::unordered_set<std::string> held_;
  std::vector<std::string_view> longest_first_;  // views of held_'s (node-stable) strings
};

struct LogOptions {
  std::string level = "info";   // trace|debug|info|warn|error
  std::string format = "text";  // text|json
  std::vector<std::string> secrets;
};

// Installs the redacting stderr logger as spdlog's default. Call once at start.
void init_logging(const LogOptions& options);

// Registers a secret learned at run time (a token read from the store, a refreshed token) with
// the process's SecretRegistry. Cheap when already held (a shared lock and a lookup). Thread-safe.
void register_secret(std::string secret);
// How many secrets the process's registry holds (tests, metrics).
std::size_t registered_secret_count();

}  // namespace bridgebot::core
