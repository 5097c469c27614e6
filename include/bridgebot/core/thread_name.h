// Names the calling thread after its role, so `top -H`, `ps -L` and `perf --sort comm` tell the
// store writer from an HTTP thread or a delivery thread. Linux keeps at most 15 characters.
#pragma once

#include <string_view>

namespace bridgebot::core {

void name_this_thread(std::string_view role) noexcept;

}  // namespace bridgebot::core
