#include "harness/bot_process.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

// The bot's configuration; test::BotProcess fills in {{LISTEN}} with a free port.
std::string config_template(const ScratchDir& dir, World& world, const BotOptions& options) {
  std::ostringstream out;
  out << "slack:\n"
      << "  api_base_url: " << world.api_base_url() << "\n"
      << (options.app_token.empty()
              ? std::string("  socket_mode:\n    enabled: false\n")
              : "  app_token: " + options.app_token + "\n  socket_mode:\n    enabled: true\n" +
                    "    connections: " + std::to_string(options.socket_connections) + "\n")
      << (options.post_rate_per_minute > 0
              ? "  rate_limits:\n    post_message_per_workspace_per_minute: " +
                    std::to_string(options.post_rate_per_minute) + "\n"
              : std::string())
      << "  tls:\n    allow_plaintext: true\n"
      << "platform:\n"
      << "  listen: \"{{LISTEN}}\"\n"
      << "  signing_secret: " << kSigningSecret << "\n"
      << "  admin_token: " << kAdminToken << "\n"
      << "relay:\n"
      << "  require_recipient_link: " << (options.require_recipient_link ? "true" : "false") << "\n"
      << "  copy_to_sender: " << (options.copy_to_sender ? "true" : "false") << "\n"
      << "store:\n  url: "
      << (options.store_url.empty() ? "sqlite:" + dir.file("bridgebot.db") : options.store_url)
      << "\n"
      << (options.encryption_key.empty()
              ? std::string()
              : "security:\n  encryption_key: \"" + options.encryption_key + "\"\n")
      << "log:\n  level: " << options.log_level << "\n  format: text\n";
  return out.str();
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
  auto opened = store::open_sqlite_store(db_path);
  if (!opened.ok()) fail("store: " + opened.error().to_string());
  bool created = false;
  auto key = core::load_or_create_key("", db_path + ".key", created);
  if (!key.ok()) fail("key: " + key.error().to_string());
  core::SecretBox box(*key);
  seed_installations(**opened, box, world);
}

void seed_installations(store::Store& db, const core::SecretBox& box, World& world) {
  spdlog::set_level(spdlog::level::warn);  // one "installed workspace" line per team is noise
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
    : process_(dir.path(), config_template(dir, world, options)) {
  if (auto failure = process_.start(std::chrono::seconds(60))) fail(*failure);
}

BotProcess::~BotProcess() {
  if (process_.running()) stop();
}

Memory BotProcess::memory() const {
  Memory memory;
  std::ifstream status("/proc/" + std::to_string(process_.pid()) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") status >> memory.hwm_kb;
    if (key == "VmRSS:") status >> memory.rss_kb;
  }
  return memory;
}

double BotProcess::cpu_seconds() const {
  std::ifstream stat("/proc/" + std::to_string(process_.pid()) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoll(field);
    if (n == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long long BotProcess::context_switches() const {
  long long total = 0;
  const fs::path tasks = "/proc/" + std::to_string(process_.pid()) + "/task";
  std::error_code error;
  for (const auto& task : fs::directory_iterator(tasks, error)) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
          line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        total += std::stoll(line.substr(line.find(':') + 1));
      }
    }
  }
  return total;
}

long long BotProcess::write_calls() const {
  std::ifstream io("/proc/" + std::to_string(process_.pid()) + "/io");
  std::string name;
  long long value = 0;
  while (io >> name >> value) {
    if (name == "syscw:") return value;
  }
  return 0;
}

void BotProcess::kill9() {
  process_.kill9();
}

void BotProcess::pause() {
  ::kill(process_.pid(), SIGSTOP);
}

void BotProcess::resume() {
  ::kill(process_.pid(), SIGCONT);
}

int BotProcess::stop() {
  // A bench may leave thousands of items in flight: give the drain time before SIGKILL.
  const auto ended = process_.terminate(std::chrono::seconds(60));
  return ended.exited ? ended.code : 128 + ended.signal;
}

}  // namespace bench
