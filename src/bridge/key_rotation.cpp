#include "bridgebot/bridge/key_rotation.h"

#include "bridgebot/bridge/installation_service.h"

namespace bridgebot::bridge {
namespace {

// Re-seals the blobs of one row, counting those that changed; none is changed in `row` unless
// all open.
class RowResealer {
 public:
  explicit RowResealer(const core::SecretBox& box) : box_(box) {}

  // Re-seals `blob` in place when it was sealed under another key.
  Status reseal(store::Blob& blob, const std::string& context) {
    const std::string sealed(blob.begin(), blob.end());
    if (blob.empty() || !box_.needs_reseal(sealed)) return Status::success();
    auto plain = box_.open(sealed, context);
    if (!plain.ok()) {
      return make_error("wrong_key", "a stored secret (" + context.substr(0, context.find(':')) +
                                         ") does not open with the current or the old key: "
                                         "give the key it was sealed with");
    }
    auto fresh = box_.seal(*plain, context);
    if (!fresh.ok()) return fresh.error();
    blob.assign(fresh->begin(), fresh->end());
    ++changed_;
    return Status::success();
  }

  std::int64_t changed() const { return changed_; }

 private:
  const core::SecretBox& box_;
  std::int64_t changed_ = 0;
};

Error naming(std::string row, const Error& error) {
  Error e = error;
  e.message = std::move(row) + ": " + e.message;
  return e;
}

Status reseal_links(store::Store& store, const core::SecretBox& box, const std::string& team_id,
                    ResealCounts& counts) {
  auto links = store.links_of_team(team_id);
  if (!links.ok()) return links.error();
  for (auto link : *links) {
    if (!link.user_token) continue;
    RowResealer row(box);
    Status s = row.reseal(link.user_token->token,
                          InstallationService::user_token_context(team_id, link.slack_user_id));
    if (s.ok()) {
      s = row.reseal(link.user_token->refresh_token,
                     InstallationService::user_refresh_token_context(team_id, link.slack_user_id));
    }
    if (!s.ok()) return naming(team_id + "/" + link.platform_user_id, s.error());
    if (row.changed() == 0) continue;
    if (auto put = store.put_link(link); !put.ok()) return put.error();
    ++counts.links;
    counts.secrets += row.changed();
  }
  return Status::success();
}

}  // namespace

Result<ResealCounts> reseal_stored_secrets(store::Store& store, const core::SecretBox& box) {
  auto all = store.list_installations();
  if (!all.ok()) return all.error();
  ResealCounts counts;
  for (auto inst : *all) {
    RowResealer row(box);
    Status s = row.reseal(inst.bot_token, InstallationService::bot_token_context(inst.team_id));
    if (s.ok()) {
      s = row.reseal(inst.refresh_token, InstallationService::refresh_token_context(inst.team_id));
    }
    if (s.ok() && inst.incoming_webhook) {
      s = row.reseal(inst.incoming_webhook->url,
                     InstallationService::webhook_context(inst.team_id));
    }
    if (!s.ok()) return naming(inst.team_id, s.error());
    if (row.changed() > 0) {
      if (auto put = store.put_installation(inst); !put.ok()) return put.error();
      ++counts.installations;
      counts.secrets += row.changed();
    }
    if (Status links = reseal_links(store, box, inst.team_id, counts); !links.ok()) {
      return links.error();
    }
  }
  return counts;
}

}  // namespace bridgebot::bridge
