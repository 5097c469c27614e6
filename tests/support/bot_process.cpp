#include "support/bot_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bridgebot/net/http.h"

#ifndef BRIDGEBOT_BINARY
#error "BRIDGEBOT_BINARY must name the bridgebot executable"
#endif

namespace bridgebot::test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::chrono::milliseconds since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

BotProcess::BotProcess(const std::filesystem::path& dir, std::string config_template)
    : dir_(dir), config_template_(std::move(config_template)) {}

BotProcess::~BotProcess() {
  if (running()) kill9();
}

std::string BotProcess::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string BotProcess::output() const {
  return read_file(dir_ / "bot.log");
}

std::string BotProcess::output_tail(std::size_t max_chars) const {
  const std::string text = output();
  return text.size() <= max_chars ? text : "…" + text.substr(text.size() - max_chars);
}

bool BotProcess::spawn() {
  port_ = free_loopback_port();
  const auto config_path = dir_ / "bot.yaml";
  write_file(config_path, replace_all(replace_all(config_template_, "{{LISTEN}}",
                                                  "127.0.0.1:" + std::to_string(port_)),
                                      "{{BASE_URL}}", base_url()));

  // Everything the child needs is prepared before fork(): after it, in a process that has other
  // threads, only async-signal-safe calls are allowed.
  const std::string binary = BRIDGEBOT_BINARY;
  const std::string config = config_path.string();
  const std::string log_path = (dir_ / "bot.log").string();
  std::vector<char*> argv = {const_cast<char*>(binary.c_str()), const_cast<char*>("run"),
                             const_cast<char*>("--config"), const_cast<char*>(config.c_str()),
                             nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // A test process that dies must not leave a bot behind holding ports and files.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    // The test runner may have blocked signals; the bot expects a clean mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  return true;
}

bool BotProcess::healthy() const {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  options.connect_timeout = 1s;
  options.request_timeout = 2s;
  auto http = net::make_http_client(options);
  net::ClientRequest request;
  request.method = "GET";
  request.url = base_url() + "/healthz";
  auto response = http->send(request);
  return response.ok() && response->status == 200;
}

std::optional<std::string> BotProcess::start(std::chrono::seconds healthy_within) {
  if (auto failed = launch()) return failed;
  return wait_healthy(healthy_within);
}

std::optional<std::string> BotProcess::launch() {
  if (running()) return "the bot is already running";
  log_offset_ = output().size();
  if (!spawn()) return "fork() failed";
  return std::nullopt;
}

std::optional<std::string> BotProcess::wait_healthy(std::chrono::seconds within) {
  for (int attempt = 1;; ++attempt) {
    if (!running()) return "the bot was not launched";
    const auto deadline = SteadyClock::now() + within;
    bool port_taken = false;
    while (!port_taken && SteadyClock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        // Someone took the port between free_loopback_port() and the bot's bind: try another.
        port_taken = output().substr(log_offset_).find("in use") != std::string::npos;
        if (!port_taken || attempt == 3) {
          return "bridgebot exited during start (status " + std::to_string(status) +
                 "). Output:\n" + output_tail();
        }
      } else if (healthy()) {
        return std::nullopt;
      } else {
        std::this_thread::sleep_for(50ms);
      }
    }
    if (running()) {
      kill9();
      return "bridgebot did not answer /healthz within " + std::to_string(within.count()) +
             " s. Output:\n" + output_tail();
    }
    if (auto failed = launch()) return failed;
  }
}

ExitStatus BotProcess::wait_exit(std::chrono::milliseconds limit) {
  ExitStatus result;
  const auto start = SteadyClock::now();
  while (true) {
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      pid_ = -1;
      result.took = since(start);
      result.exited = WIFEXITED(status);
      result.code = result.exited ? WEXITSTATUS(status) : -1;
      result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      return result;
    }
    if (reaped < 0 || since(start) > limit) {
      result.took = since(start);
      return result;  // still running (or not ours): exited=false, signal=0
    }
    std::this_thread::sleep_for(10ms);
  }
}

ExitStatus BotProcess::terminate(std::chrono::milliseconds grace) {
  if (!running()) return {};
  ::kill(pid_, SIGTERM);
  ExitStatus status = wait_exit(grace);
  if (running()) {
    // Did not stop in time: that is the failure to report, but leave nothing behind.
    const auto took = status.took;
    status = kill9();
    status.took = took;
  }
  return status;
}

ExitStatus BotProcess::kill9() {
  if (!running()) return {};
  ::kill(pid_, SIGKILL);
  return wait_exit(std::chrono::seconds(30));
}

}  // namespace bridgebot::test
