// `bridgebot rotate-key`: re-seals every stored secret under the SecretBox's current key, so the
// previous key can be thrown away. Blocks on the store; run it while no bridge writes tokens
// (a refresh racing it could store a token sealed under the old key).
#pragma once

#include <cstdint>

#include "bridgebot/core/result.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct ResealCounts {
  std::int64_t installations = 0;  // rows rewritten
  std::int64_t secrets = 0;        // bot tokens, refresh tokens and webhook URLs re-sealed
};

// `box` must open values sealed under the old key (pass it as a previous key) and seals with the
// new one. Fails without writing a row whose secrets do not open (wrong old key).
Result<ResealCounts> reseal_installations(store::Store& store, const core::SecretBox& box);

}  // namespace bridgebot::bridge
