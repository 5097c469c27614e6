#include "bridgebot/bridge/key_rotation.h"

#include "bridgebot/bridge/installation_service.h"

namespace bridgebot::bridge {
namespace {

// Re-seals `blob` in place when it was sealed under another key. Returns whether it changed.
Result<bool> reseal(store::Blob& blob, const core::SecretBox& box, const std::string& context) {
  const std::string sealed(blob.begin(), blob.end());
  if (blob.empty() || !box.needs_reseal(sealed)) return false;
  auto plain = box.open(sealed, context);
  if (!plain.ok()) {
    return make_error("wrong_key", "a stored secret (" + context.substr(0, context.find(':')) +
                                       ") does not open with the current or the old key: give "
                                       "the key it was sealed with");
  }
  auto fresh = box.seal(*plain, context);
  if (!fresh.ok()) return fresh.error();
  blob.assign(fresh->begin(), fresh->end());
  return true;
}

}  // namespace

Result<ResealCounts> reseal_installations(store::Store& store, const core::SecretBox& box) {
  auto all = store.list_installations();
  if (!all.ok()) return all.error();
  ResealCounts counts;
  for (auto inst : *all) {
    std::int64_t changed = 0;
    auto step = [&](store::Blob& blob, const std::string& context) -> Status {
      auto done = reseal(blob, box, context);
      if (!done.ok()) return done.error();
      changed += *done ? 1 : 0;
      return Status::success();
    };
    Status s = step(inst.bot_token, InstallationService::bot_token_context(inst.team_id));
    if (s.ok())
      s = step(inst.refresh_token, InstallationService::refresh_token_context(inst.team_id));
    if (s.ok() && inst.incoming_webhook) {
      s = step(inst.incoming_webhook->url, InstallationService::webhook_context(inst.team_id));
    }
    if (!s.ok()) {
      Error e = s.error();
      e.message = inst.team_id + ": " + e.message;
      return e;
    }
    if (changed == 0) continue;
    if (auto put = store.put_installation(inst); !put.ok()) return put.error();
    ++counts.installations;
    counts.secrets += changed;
  }
  return counts;
}

}  // namespace bridgebot::bridge
