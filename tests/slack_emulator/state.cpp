#include "slack_emulator/state.h"

#include <algorithm>
#include <cstdio>

namespace bridgebot::emulator {

bool Token::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string Token::scopes_header() const {
  std::string joined;
  for (const auto& scope : scopes) {
    if (!joined.empty()) joined += ',';
    joined += scope;
  }
  return joined;
}

User slackbot_user(const std::string& team_id) {
  User slackbot;
  slackbot.id = std::string(kSlackbotId);
  slackbot.team_id = team_id;
  slackbot.name = "slackbot";
  slackbot.real_name = "Slackbot";
  slackbot.display_name = "Slackbot";
  // Slack reports Slackbot as is_bot:false; clients must filter it by id.
  return slackbot;
}

const Workspace* State::find_workspace(std::string_view id) const {
  auto it = workspaces.find(id);
  return it == workspaces.end() ? nullptr : &it->second;
}

std::optional<User> State::find_user(std::string_view team_id, std::string_view id) const {
  if (id == kSlackbotId && find_workspace(team_id) != nullptr) {
    return slackbot_user(std::string(team_id));
  }
  const User* user = find_member(team_id, id);
  return user ? std::optional<User>(*user) : std::nullopt;
}

const User* State::find_member(std::string_view team_id, std::string_view id) const {
  auto it = users.find(id);
  return it == users.end() || it->second.team_id != team_id ? nullptr : &it->second;
}

std::vector<User> State::users_of_team(std::string_view team_id) const {
  std::vector<User> result;
  for (const auto& [id, user] : users) {
    if (user.team_id == team_id) result.push_back(user);
  }
  result.push_back(slackbot_user(std::string(team_id)));
  std::sort(result.begin(), result.end(), [](const User& a, const User& b) { return a.id < b.id; });
  return result;
}

Token* State::find_token(std::string_view value) {
  auto it = tokens.find(value);
  return it == tokens.end() ? nullptr : &it->second;
}

Channel* State::find_channel(std::string_view team_id, std::string_view id) {
  auto it = channels.find(id);
  if (it == channels.end() || it->second.team_id != team_id) return nullptr;
  return &it->second;
}

const DirectMessage* State::find_dm(std::string_view team_id, std::string_view id) const {
  auto it = direct_messages.find(id);
  if (it == direct_messages.end() || it->second.team_id != team_id) return nullptr;
  return &it->second;
}

Message* State::find_message(std::string_view channel, std::string_view ts) {
  for (auto& message : messages) {
    if (message.channel == channel && message.ts == ts) return &message;
  }
  return nullptr;
}

const DirectMessage& State::open_dm(const std::string& team_id, const std::string& a,
                                    const std::string& b) {
  const std::string members = team_id + "\n" + std::min(a, b) + "\n" + std::max(a, b);
  const auto known = dm_by_members_.find(members);
  if (known != dm_by_members_.end()) {
    const auto dm = direct_messages.find(known->second);
    if (dm != direct_messages.end()) return dm->second;
  }
  DirectMessage dm{next_id('D'), team_id, a, b};
  dm_by_members_[members] = dm.id;
  return direct_messages.emplace(dm.id, dm).first->second;
}

const PublishedView* State::latest_home_view(std::string_view user_id) const {
  for (auto it = home_views.rbegin(); it != home_views.rend(); ++it) {
    if (it->user_id == user_id) return &*it;
  }
  return nullptr;
}

std::vector<Message> State::messages_in(std::string_view channel) const {
  std::vector<Message> result;
  std::copy_if(messages.begin(), messages.end(), std::back_inserter(result),
               [&](const Message& m) { return m.channel == channel; });
  return result;
}

std::string State::next_id(char prefix) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%cE%07llu", prefix,
                static_cast<unsigned long long>(++id_counter_));
  return buffer;
}

std::string State::next_ts(std::int64_t unix_seconds) {
  // Slack's ts is seconds.microseconds and unique per channel; we make it unique everywhere.
  last_ts_micros_ = std::max(unix_seconds * 1'000'000 + 100, last_ts_micros_ + 100);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%06lld",
                static_cast<long long>(last_ts_micros_ / 1'000'000),
                static_cast<long long>(last_ts_micros_ % 1'000'000));
  return buffer;
}

}  // namespace bridgebot::emulator
