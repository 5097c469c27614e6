#include "harness/bot_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/web_api.h"
#include "bridgebot/store/sqlite_store.h"

namespace bench {

namespace fs = std::filesystem;
using namespace bridgebot;

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what);
}

// A port that was free a moment ago: the bot's config needs a fixed one. The race with other
// processes is harmless on a bench machine (the bot would fail to start, loudly).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    fail("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string write_config(const ScratchDir& dir, World& world, const BotOptions& options,
                         std::uint16_t port) {
  const std::string path = dir.file("bridgebot.yaml");
  std::ofstream out(path);
  out << "slack:\n"
      << "  api_base_url: " << world.api_base_url() << "\n"
      << "  socket_mode:\n    enabled: false\n"
      << "  tls:\n    allow_plaintext: true\n"
      << "platform:\n"
      << "  listen: 127.0.0.1:" << port << "\n"
      << "  signing_secret: " << kSigningSecret << "\n"
      << "  admin_token: " << kAdminToken << "\n"
      << "relay:\n"
      << "  require_recipient_link: " << (options.require_recipient_link ? "true" : "false") << "\n"
      << "  copy_to_sender: " << (options.copy_to_sender ? "true" : "false") << "\n"
      << "store:\n  url: sqlite:" << dir.file("bridgebot.db") << "\n"
      << "log:\n  level: " << options.log_level << "\n  format: text\n";
  if (!out) fail("cannot write " + path);
  return path;
}

}  // namespace

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "bridgebot-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) fail("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  if (std::getenv("BENCH_KEEP") != nullptr) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void seed_installations(const std::string& db_path, World& world) {
  spdlog::set_level(spdlog::level::warn);  // one "installed workspace" line per team is noise
  auto opened = store::open_sqlite_store(db_path);
  if (!opened.ok()) fail("store: " + opened.error().to_string());
  store::Store& db = **opened;
  bool created = false;
  auto key = core::load_or_create_key("", db_path + ".key", created);
  if (!key.ok()) fail("key: " + key.error().to_string());
  core::SecretBox box(*key);

  auto& clock = core::system_clock();
  net::ClientOptions http_options;
  http_options.tls.allow_plaintext = true;
  auto http = net::make_http_client(http_options);
  // Installing is set-up, not what is measured: auth.test is called before the team is known,
  // so the default pacing (one shared Tier 4 bucket) would take 0.6 s per workspace.
  slack::RateLimiterOptions fast;
  fast.tier4 = {std::chrono::microseconds(1), 1'000'000};
  slack::RateLimiter limiter(clock, fast);
  slack::WebApi api(*http, world.api_base_url(), clock, limiter);
  bridge::InstallationService installations(db, api, box, clock);

  for (const BenchTeam& team : world.teams()) {
    auto installed = installations.install_bot_token(team.bot_token, team.domain);
    if (!installed.ok()) fail("install " + team.id + ": " + installed.error().to_string());
    std::vector<store::DirectoryEntry> entries;
    for (std::size_t u = 0; u < team.emails.size(); ++u) {
      // The same user ids World gave the emulator's people.
      char id[32];
      std::snprintf(id, sizeof id, "x%05d", static_cast<int>(u));
      entries.push_back({team.id, team.emails[u],
                         store::DirectoryUser{"U" + team.id + id, "user", ""},
                         clock.unix_seconds()});
    }
    if (auto stored = db.upsert_directory(entries); !stored.ok()) {
      fail("directory: " + stored.error().to_string());
    }
  }
}

BotProcess::BotProcess(const ScratchDir& dir, World& world, BotOptions options)
    : log_path_(dir.file("bridgebot.log")), port_(free_port()) {
  const std::string config = write_config(dir, world, options, port_);
  pid_ = ::fork();
  if (pid_ < 0) fail("fork failed");
  if (pid_ == 0) {
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    ::execl(BRIDGEBOT_BINARY, BRIDGEBOT_BINARY, "run", "--config", config.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  wait_ready();
}

BotProcess::~BotProcess() {
  if (pid_ > 0) stop();
}

void BotProcess::wait_ready() {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  options.request_timeout = std::chrono::milliseconds(1000);
  auto http = net::make_http_client(options);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      fail("bridgebot exited during start-up; see " + log_path_);
    }
    net::ClientRequest request;
    request.method = "GET";
    request.url = "http://127.0.0.1:" + std::to_string(port_) + "/readyz";
    auto response = http->send(request);
    if (response.ok() && response->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fail("bridgebot not ready after 60 s; see " + log_path_);
}

Memory BotProcess::memory() const {
  Memory memory;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") status >> memory.hwm_kb;
    if (key == "VmRSS:") status >> memory.rss_kb;
  }
  return memory;
}

int BotProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace bench
