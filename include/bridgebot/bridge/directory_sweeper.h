// Runs Directory::sweep in the background, one team at a time, so that matching a large workspace
// never blocks relaying or start-up (42wim/matterbridge #695). Sweeps every active team at
// start() and any team on request().
//
// Thread safety: request() may be called from any thread (it only queues the team and never
// blocks on I/O). One thread of its own does the sweeps; stop() (or the destructor) joins it
// after the sweep in progress ends. The Directory and InstallationDirectory must outlive it.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/installations.h"

namespace bridgebot::bridge {

class DirectorySweeper {
 public:
  DirectorySweeper(Directory& directory, InstallationDirectory& installations);
  ~DirectorySweeper();
  DirectorySweeper(const DirectorySweeper&) = delete;
  DirectorySweeper& operator=(const DirectorySweeper&) = delete;

  // Starts the thread and queues a sweep of every active team.
  void start();
  // Queues a sweep of `team_id` unless one is already queued.
  void request(const std::string& team_id);
  void stop();
  // Blocks until the queue is empty and no sweep runs (for tests and orderly shutdowns).
  void wait_idle();

 private:
  void run();

  Directory& directory_;
  InstallationDirectory& installations_;
  std::mutex mutex_;  // guards the fields below
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool sweeping_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bridgebot::bridge
