// Runs the real bridgebot binary as a child process for integration tests: a config file in a
// temporary directory, a port picked by the OS, stderr captured to a file for failure messages,
// and the three ways a process ends (SIGTERM, kill -9, or the child's own exit).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace bridgebot::test {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "bridgebot-it");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A loopback port that was free a moment ago: bound to port 0, read back, closed. Another process
// may take it before the bot binds it; BotProcess::start retries with a new port in that case.
std::uint16_t free_loopback_port();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& text);

// How a stopped child ended.
struct ExitStatus {
  bool exited = false;  // exited normally (then `code`), else killed by `signal`
  int code = -1;
  int signal = 0;
  std::chrono::milliseconds took{0};  // from the signal sent to the child being reaped
};

// One bridgebot child process. The config text must contain the placeholder `{{LISTEN}}` where
// platform.listen's value goes: start() fills in a free loopback port. `{{BASE_URL}}`, if present,
// becomes the bot's own URL ("http://127.0.0.1:PORT"), e.g. for slack.oauth.redirect_url.
class BotProcess {
 public:
  // `dir` holds the written config (bot.yaml) and the captured output (bot.log); it must
  // outlive this object.
  BotProcess(const std::filesystem::path& dir, std::string config_template);
  ~BotProcess();  // kills a child still running (kill -9)
  BotProcess(const BotProcess&) = delete;
  BotProcess& operator=(const BotProcess&) = delete;

  // Starts the binary and waits (bounded) until GET /healthz answers 200. On failure returns an
  // explanation with the captured output; retries on a new port when the bind failed.
  std::optional<std::string> start(std::chrono::seconds healthy_within = std::chrono::seconds(30));
  // start() in two halves, so that several bots can be spawned before any is waited for.
  std::optional<std::string> launch();
  std::optional<std::string> wait_healthy(std::chrono::seconds within = std::chrono::seconds(30));

  // SIGTERM, then waits up to `grace` for the exit; kills with SIGKILL after that (and reports it
  // as a signal exit, so an assertion on `exited && code == 0` fails with a reason).
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // kill -9 and reap.
  ExitStatus kill9();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // -1 when not running
  std::uint16_t port() const { return port_; }
  std::string base_url() const;
  // Everything the bot wrote to stdout and stderr so far (across restarts of this object).
  std::string output() const;
  // The last lines of output(), for failure messages.
  std::string output_tail(std::size_t max_chars = 4000) const;

 private:
  bool spawn();
  bool healthy() const;
  ExitStatus wait_exit(std::chrono::milliseconds limit);

  std::filesystem::path dir_;
  std::string config_template_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::size_t log_offset_ = 0;  // size of bot.log when the current child was spawned
};

}  // namespace bridgebot::test
