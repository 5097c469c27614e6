// The running service: builds every layer from the configuration and owns their lifetimes.
// `bridgebot run` and `bridgebot sandbox` both start one App.
#pragma once

#include <cstdint>
#include <memory>

#include "bridgebot/core/config.h"
#include "bridgebot/core/result.h"

namespace bridgebot::cli {

class App {
 public:
  explicit App(core::Config config);
  ~App();  // stops
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the store, installs the configured workspace, starts the dispatcher, the background
  // directory sweeps, Socket Mode and the platform API. Errors name what to fix.
  Status start();
  // Stops taking requests, closes Socket Mode cleanly, lets the dispatcher finish the item in
  // hand, closes the store.
  void stop();
  std::uint16_t api_port() const;

 private:
  struct Parts;
  core::Config config_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace bridgebot::cli
