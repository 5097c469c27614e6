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
  std::int64_t installations = 0;  // installation rows rewritten
  std::int64_t links = 0;          // link rows rewritten (personal Connect user tokens)
  // Bot tokens, refresh tokens, webhook URLs and user tokens re-sealed.
  std::int64_t secrets = 0;
};

// `box` must open values sealed under the old key (pass it as a previous key) and seals with the
// new one. Fails without writing a row whose secrets do not open (wrong old key), naming it.
Result<ResealCounts> reseal_stored_secrets(store::Store& store, const core::SecretBox& box);

}  // namespace bridgebot::bridge
