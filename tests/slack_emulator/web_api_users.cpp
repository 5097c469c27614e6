// users.lookupByEmail, users.list and users.info.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "web_api.h"

namespace bridgebot::emulator {
namespace {

// Slack's user object; the email only when the token may read emails.
rapidjson::Value user_json(const User& user, bool with_email, JsonAllocator& alloc) {
  rapidjson::Value profile(rapidjson::kObjectType);
  add_string(profile, "real_name", user.real_name, alloc);
  add_string(profile, "display_name", user.display_name, alloc);
  if (with_email && !user.email.empty()) add_string(profile, "email", user.email, alloc);
  add_string(profile, "image_72", user.image_72, alloc);
  if (!user.bot_id.empty()) add_string(profile, "bot_id", user.bot_id, alloc);

  rapidjson::Value json(rapidjson::kObjectType);
  add_string(json, "id", user.id, alloc);
  add_string(json, "team_id", user.team_id, alloc);
  add_string(json, "name", user.name, alloc);
  add_bool(json, "deleted", user.deleted, alloc);
  add_string(json, "real_name", user.real_name, alloc);
  add_bool(json, "is_bot", user.is_bot, alloc);
  add_bool(json, "is_app_user", user.is_app_user, alloc);
  add_bool(json, "is_restricted", false, alloc);
  add_bool(json, "is_ultra_restricted", false, alloc);
  add_member(json, "profile", std::move(profile), alloc);
  return json;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Cursors are opaque to clients; like Slack's they are base64 of "user:<first id of the page>".
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kBase64[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) out += kBase64[(bits << (6 - count)) & 0x3F];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') break;
    auto index = kBase64.find(c);
    if (index == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(index);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

constexpr std::string_view kCursorPrefix = "user:";
constexpr std::size_t kMaxPageSize = 1000;

}  // namespace

Status users_lookup_by_email(MethodCall& call) {
  std::string email = call.params.get("email");
  if (email.empty()) return slack_error("invalid_arguments");
  bool ignore_case = call.options.behaviour.email_lookup_ignores_case;
  for (const auto& [id, user] : call.state.users) {
    if (user.team_id != call.workspace.id || user.deleted) continue;
    bool same = ignore_case ? lowercase(user.email) == lowercase(email) : user.email == email;
    if (same) {
      add_member(call.reply, "user", user_json(user, true, call.allocator()), call.allocator());
      return Status::success();
    }
  }
  return slack_error("users_not_found");  // plural, also for deactivated users
}

Status users_list(MethodCall& call) {
  std::vector<User> users = call.state.users_of_team(call.workspace.id);

  std::size_t limit = kMaxPageSize;
  std::string limit_text = call.params.get("limit");
  if (!limit_text.empty()) {
    std::size_t parsed = 0;
    auto [end, ec] =
        std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), parsed);
    if (ec != std::errc{} || end != limit_text.data() + limit_text.size()) {
      return slack_error("invalid_limit");
    }
    if (parsed > 0) limit = std::min(parsed, kMaxPageSize);  // 0 means "no preference"
  }

  auto first = users.begin();
  std::string cursor = call.params.get("cursor");
  if (!cursor.empty()) {
    auto decoded = base64_decode(cursor);
    if (!decoded || decoded->rfind(kCursorPrefix, 0) != 0) return slack_error("invalid_cursor");
    std::string first_id = decoded->substr(kCursorPrefix.size());
    first =
        std::find_if(users.begin(), users.end(), [&](const User& u) { return u.id >= first_id; });
  }
  auto last = first + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                          limit, static_cast<std::size_t>(users.end() - first)));

  auto& alloc = call.allocator();
  bool with_email = call.token.has_scope("users:read.email");
  rapidjson::Value members(rapidjson::kArrayType);
  for (auto it = first; it != last; ++it)
    members.PushBack(user_json(*it, with_email, alloc), alloc);
  add_member(call.reply, "members", std::move(members), alloc);
  add_member(call.reply, "cache_ts", rapidjson::Value(call.clock.unix_seconds()), alloc);

  rapidjson::Value metadata(rapidjson::kObjectType);
  std::string next =
      last == users.end() ? "" : base64_encode(std::string(kCursorPrefix) + last->id);
  add_string(metadata, "next_cursor", next, alloc);
  add_member(call.reply, "response_metadata", std::move(metadata), alloc);
  return Status::success();
}

Status users_info(MethodCall& call) {
  auto user = call.state.find_user(call.workspace.id, call.params.get("user"));
  if (!user) return slack_error("user_not_found");
  bool with_email = call.token.has_scope("users:read.email");
  add_member(call.reply, "user", user_json(*user, with_email, call.allocator()), call.allocator());
  return Status::success();
}

}  // namespace bridgebot::emulator
