#include "bridgebot/core/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace bridgebot::core {

void name_this_thread(std::string_view role) noexcept {
  constexpr std::size_t kLinuxNameMax = 15;  // plus the terminating NUL
  const std::string name(role.substr(0, std::min(role.size(), kLinuxNameMax)));
  (void)pthread_setname_np(pthread_self(), name.c_str());  // only a label: failure changes nothing
}

}  // namespace bridgebot::core
