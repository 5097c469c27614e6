#include "bridgebot/bridge/lease_owner.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <filesystem>
#include <fstream>
#include <vector>

#include "bridgebot/core/crypto.h"

namespace bridgebot::bridge {
namespace {

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

ProcessIdentity this_process() {
  ProcessIdentity self;
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) == 0) self.host = host;
  if (self.host.empty()) self.host = "localhost";
  std::error_code ignored;
  const std::string namespace_id =
      std::filesystem::read_symlink("/proc/self/ns/pid", ignored).string();
  const std::string boot_id = first_line("/proc/sys/kernel/random/boot_id");
  self.machine = core::hex_encode(core::sha256(boot_id + "|" + namespace_id).substr(0, 6));
  self.pid = static_cast<long>(::getpid());
  return self;
}

std::string make_lease_owner(const ProcessIdentity& process) {
  return process.host + "/" + process.machine + "/" + std::to_string(process.pid) + "/" +
         core::hex_encode(core::random_bytes(4));
}

std::optional<ProcessIdentity> owner_process(std::string_view owner) {
  const auto parts = split(owner, '/');
  if (parts.size() != 4 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  long pid = 0;
  const auto [end, error] =
      std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), pid);
  if (error != std::errc() || end != parts[2].data() + parts[2].size() || pid <= 0) {
    return std::nullopt;
  }
  return ProcessIdentity{std::string(parts[0]), std::string(parts[1]), pid};
}

bool owner_has_exited(std::string_view owner, const ProcessIdentity& self,
                      const std::function<bool(long pid)>& running) {
  const auto process = owner_process(owner);
  if (!process || process->host != self.host || process->machine != self.machine) return false;
  return !running(process->pid);
}

bool process_running(long pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace bridgebot::bridge
