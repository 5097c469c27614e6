// The bridgebot service under test, run as the real binary in a child process
// so that its memory (VmHWM) and its threads are its own, as in production. The benches talk to
// it only over loopback: the platform API in front, the Slack emulator behind.
#pragma once

#include <cstdint>
#include <string>

#include "bridgebot/core/secret_box.h"
#include "bridgebot/store/store.h"
#include "harness/world.h"
#include "support/bot_process.h"

namespace bench {

struct BotOptions {
  bool require_recipient_link = false;
  bool copy_to_sender = false;  // one Slack post per relayed message
  std::string log_level = "warn";
  // Socket Mode with this app token (World::app_token()) and this many connections; "" for off.
  std::string app_token;
  int socket_connections = 2;
  // store.url and security.encryption_key (base64) when set; else SQLite in the scratch
  // directory with the key file beside it.
  std::string store_url;
  std::string encryption_key;
  // slack.rate_limits.post_message_per_workspace_per_minute when > 0, else the bot's default.
  int post_rate_per_minute = 0;
};

// A scratch directory holding the store, its key file, the config and the bot's log.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();  // removes it unless BENCH_KEEP is set
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Installs every team of `world` into the store at `db_path` the way an admin would
// (InstallationService::install_bot_token: auth.test, scope check, token sealed with the key
// file beside the store), and warms the directory cache with every user, as the start-up sweep
// would, so that no message waits for users.lookupByEmail.
void seed_installations(const std::string& db_path, World& world);
// The same into any store, with tokens sealed by `box` (e.g. a PostgreSQL store shared by replicas
// configured with that key).
void seed_installations(bridgebot::store::Store& db, const bridgebot::core::SecretBox& box,
                        World& world);

struct Memory {
  long hwm_kb = 0;  // VmHWM: peak resident set
  long rss_kb = 0;  // VmRSS: resident now
};

// The bot as test::BotProcess runs it (config and log in the scratch directory, a free port,
// SIGTERM to stop), configured for a bench and watched for its memory.
class BotProcess {
 public:
  // Starts the bot and waits until it answers; throws with its log when it does not.
  BotProcess(const ScratchDir& dir, World& world, BotOptions options = {});
  ~BotProcess();  // stops the bot if still running

  std::uint16_t port() const { return process_.port(); }
  Memory memory() const;
  // CPU time the bot has used so far (user + system, every thread), in seconds.
  double cpu_seconds() const;
  // Context switches of the bot's threads so far (voluntary and not, from /proc).
  long long context_switches() const;
  // Write system calls the bot has made so far (/proc/PID/io syscw): with a SQLite store, one
  // pwrite per WAL frame or checkpointed page, plus its logging.
  long long write_calls() const;
  // SIGTERM and wait; returns the exit status (the bot drains in-flight work first).
  int stop();
  // kill -9 (and reap), or SIGSTOP / SIGCONT: a crash, or a process that hangs and comes back.
  void kill9();
  void pause();
  void resume();
  long pid() const { return static_cast<long>(process_.pid()); }
  std::string output() const { return process_.output(); }

 private:
  bridgebot::test::BotProcess process_;
};

// The platform's shared signing secret the bot is configured with.
inline constexpr const char* kSigningSecret = "bench-signing-secret";
inline constexpr const char* kAdminToken = "bench-admin-token";

}  // namespace bench
