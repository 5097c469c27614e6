#include "bridgebot/slack/manifest.h"

#include <yaml-cpp/yaml.h>

#include <array>

#include "bridgebot/slack/mrkdwn.h"
#include "bridgebot/slack/scopes.h"

namespace bridgebot::slack {
namespace {

// Manifest length limits, in characters.
constexpr std::size_t kMaxName = 35;
constexpr std::size_t kMaxDescription = 140;
constexpr std::size_t kMaxBotDisplayName = 80;

template <typename List>
void emit_list(YAML::Emitter& out, const char* key, const List& items) {
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& item : items) out << std::string(item);
  out << YAML::EndSeq;
}

}  // namespace

std::string app_manifest_yaml(const ManifestOptions& options) {
  const std::string name = truncate_text(options.name, kMaxName);
  const std::string bot_name =
      truncate_text(options.bot_display_name.empty() ? options.name : options.bot_display_name,
                    kMaxBotDisplayName);

  YAML::Emitter out;
  out << YAML::BeginMap;

  out << YAML::Key << "display_information" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  if (!options.description.empty()) {
    out << YAML::Key << "description" << YAML::Value
        << truncate_text(options.description, kMaxDescription);
  }
  out << YAML::EndMap;

  out << YAML::Key << "features" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "app_home" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "home_tab_enabled" << YAML::Value << true;
  out << YAML::Key << "messages_tab_enabled" << YAML::Value << true;
  out << YAML::Key << "messages_tab_read_only_enabled" << YAML::Value << false;
  out << YAML::EndMap;
  out << YAML::Key << "bot_user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "display_name" << YAML::Value << bot_name;
  out << YAML::Key << "always_online" << YAML::Value << options.always_online;
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "oauth_config" << YAML::Value << YAML::BeginMap;
  if (!options.redirect_urls.empty()) emit_list(out, "redirect_urls", options.redirect_urls);
  out << YAML::Key << "scopes" << YAML::Value << YAML::BeginMap;
  std::vector<std::string> bot_scopes(kRequiredBotScopes.begin(), kRequiredBotScopes.end());
  if (options.replies)
    bot_scopes.insert(bot_scopes.end(), kReplyBotScopes.begin(), kReplyBotScopes.end());
  emit_list(out, "bot", bot_scopes);
  emit_list(out, "bot_optional", kOptionalBotScopes);
  emit_list(out, "user_optional", kOptionalUserScopes);
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "event_subscriptions" << YAML::Value << YAML::BeginMap;
  if (!options.request_url.empty()) {
    out << YAML::Key << "request_url" << YAML::Value << options.request_url;
  }
  std::vector<std::string> events = {"app_uninstalled", "tokens_revoked", "user_change",
                                     "team_join", "app_home_opened"};
  if (options.replies) events.emplace_back("message.im");
  emit_list(out, "bot_events", events);
  out << YAML::EndMap;
  out << YAML::Key << "interactivity" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "is_enabled" << YAML::Value << false;
  out << YAML::EndMap;
  out << YAML::Key << "org_deploy_enabled" << YAML::Value << false;
  out << YAML::Key << "socket_mode_enabled" << YAML::Value << options.request_url.empty();
  out << YAML::Key << "token_rotation_enabled" << YAML::Value << false;
  out << YAML::EndMap;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace bridgebot::slack
