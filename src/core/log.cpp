#include "bridgebot/core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <shared_mutex>

#include "bridgebot/core/json.h"

namespace bridgebot::core {
namespace {

// Log lines read the registry (shared lock); only a new secret takes it exclusively.
std::shared_mutex secrets_mutex;
SecretRegistry& secrets() {
  static SecretRegistry registry;
  return registry;
}

// Writes each record to stderr after redaction, as text or as one JSON object per line.
class RedactingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RedactingStderrSink(bool json) : json_(json) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text(msg.payload.data(), msg.payload.size());
    {
      std::shared_lock lock(secrets_mutex);
      text = secrets().redact(text);
    }
    const auto level = spdlog::level::to_string_view(msg.level);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    std::string line;
    if (json_) {
      line = "{\"ts_ms\":" + std::to_string(millis) + ",\"level\":\"" +
             std::string(level.data(), level.size()) + "\",\"msg\":" + json_quote(text) + "}\n";
    } else {
      std::time_t seconds = std::chrono::system_clock::to_time_t(msg.time);
      std::tm utc{};
      gmtime_r(&seconds, &utc);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
      line = fmt::format("{}.{:03}Z {:<5} {}\n", stamp, millis % 1000,
                         std::string_view(level.data(), level.size()), text);
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  bool json_;
};

}  // namespace

void register_secret(std::string secret) {
  if (secret.size() < 4) return;
  {
    std::shared_lock lock(secrets_mutex);
    if (secrets().holds(secret)) return;  // the common case: a token decrypted again
  }
  std::unique_lock lock(secrets_mutex);
  secrets().add(std::move(secret));
}

std::size_t registered_secret_count() {
  std::shared_lock lock(secrets_mutex);
  return secrets().size();
}

void init_logging(const LogOptions& options) {
  for (const auto& secret : options.secrets) register_secret(secret);
  auto sink = std::make_shared<RedactingStderrSink>(options.format == "json");
  auto logger = std::make_shared<spdlog::logger>("bridgebot", sink);
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace bridgebot::core
