#include <pthread.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "bridgebot/core/thread_name.h"

using bridgebot::core::name_this_thread;

namespace {

// The name `top -H` would show for a thread that named itself `role`.
std::string shown_for(std::string_view role) {
  std::string shown;
  std::thread thread([&] {
    name_this_thread(role);
    char name[32] = {};
    if (pthread_getname_np(pthread_self(), name, sizeof name) == 0) shown = name;
  });
  thread.join();
  return shown;
}

}  // namespace

TEST_CASE("a thread shows its role, cut to the 15 characters Linux keeps") {
  CHECK(shown_for("store-writer") == "store-writer");
  CHECK(shown_for("a-role-longer-than-fifteen") == "a-role-longer-t");
}
