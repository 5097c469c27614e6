#include "bridgebot/bridge/directory_sweeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bridgebot/core/thread_name.h"

namespace bridgebot::bridge {

DirectorySweeper::DirectorySweeper(Directory& directory, InstallationDirectory& installations)
    : directory_(directory), installations_(installations) {}

DirectorySweeper::~DirectorySweeper() {
  stop();
}

void DirectorySweeper::start() {
  for (const auto& team : installations_.active_team_ids()) request(team);
  std::lock_guard lock(mutex_);
  if (!thread_.joinable())
    thread_ = std::thread([this] {
      core::name_this_thread("dir-sweeper");
      run();
    });
}

void DirectorySweeper::request(const std::string& team_id) {
  {
    std::lock_guard lock(mutex_);
    if (std::find(queue_.begin(), queue_.end(), team_id) != queue_.end()) return;
    queue_.push_back(team_id);
  }
  changed_.notify_all();
}

void DirectorySweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DirectorySweeper::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || (queue_.empty() && !sweeping_); });
}

void DirectorySweeper::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const std::string team = queue_.front();
    queue_.pop_front();
    sweeping_ = true;
    lock.unlock();
    // A failed sweep only leaves the cache older: lookups still fall back to Slack per email.
    auto swept = directory_.sweep(team);
    if (!swept.ok()) {
      spdlog::warn("directory: sweep of team {} failed: {}", team, swept.error().to_string());
    }
    lock.lock();
    sweeping_ = false;
    changed_.notify_all();
  }
}

}  // namespace bridgebot::bridge
