#include <rapidjson/document.h>

#include <charconv>
#include <chrono>
#include <cstdio>

#include "bridgebot/bridge/replies.h"
#include "bridgebot/core/json.h"

namespace bridgebot::bridge {
namespace {

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      bool replaced = false;
      for (auto [entity, plain] :
           {std::pair<std::string_view, char>{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}}) {
        if (text.substr(i, entity.size()) == entity) {
          out.push_back(plain);
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

// One <…> token of mrkdwn as plain text.
std::string plain_token(std::string_view inner) {
  std::string_view target = inner;
  std::string_view label;
  if (auto bar = inner.find('|'); bar != std::string_view::npos) {
    target = inner.substr(0, bar);
    label = inner.substr(bar + 1);
  }
  if (target.substr(0, 1) == "@") return "@" + unescape(label.empty() ? target.substr(1) : label);
  if (target.substr(0, 1) == "#") return "#" + unescape(label.empty() ? target.substr(1) : label);
  if (target.substr(0, 1) == "!") {
    if (!label.empty()) return unescape(label);
    std::string_view name = target.substr(1);
    if (auto caret = name.find('^'); caret != std::string_view::npos) name = name.substr(0, caret);
    return "@" + std::string(name);
  }
  if (label.empty()) return unescape(target);
  return unescape(label) + " (" + unescape(target) + ")";
}

}  // namespace

std::optional<DmMessage> dm_message_of(std::string_view team_id, const rapidjson::Value& event,
                                       std::string_view bot_user_id) {
  if (!event.IsObject() || core::json_string_or(event, "type") != "message") return std::nullopt;
  if (event.HasMember("subtype") || event.HasMember("bot_id")) return std::nullopt;
  DmMessage m;
  m.team_id = std::string(team_id);
  m.channel = core::json_string_or(event, "channel");
  m.user = core::json_string_or(event, "user");
  m.text = core::json_string_or(event, "text");
  m.ts = core::json_string_or(event, "ts");
  m.thread_ts = core::json_string_or(event, "thread_ts");
  if (m.thread_ts == m.ts) m.thread_ts.clear();  // the parent of a thread is not in it
  const std::string channel_type = core::json_string_or(event, "channel_type");
  const bool in_dm = channel_type == "im" || (channel_type.empty() && m.channel.rfind('D', 0) == 0);
  if (!in_dm || m.channel.empty() || m.user.empty() || m.ts.empty() || m.user == bot_user_id) {
    return std::nullopt;
  }
  return m;
}

std::string reply_id(const DmMessage& message) {
  return message.team_id + ":" + message.channel + ":" + message.ts;
}

std::string plain_text(std::string_view mrkdwn) {
  std::string out;
  std::size_t i = 0;
  while (i < mrkdwn.size()) {
    const auto open = mrkdwn.find('<', i);
    const auto close = open == std::string_view::npos ? open : mrkdwn.find('>', open);
    if (close == std::string_view::npos) {
      out += unescape(mrkdwn.substr(i));
      break;
    }
    out += unescape(mrkdwn.substr(i, open - i));
    out += plain_token(mrkdwn.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  return out;
}

std::string ts_to_iso8601(std::string_view ts) {
  const auto dot = ts.find('.');
  std::int64_t seconds_since_epoch = 0;
  const char* end = ts.data() + (dot == std::string_view::npos ? ts.size() : dot);
  auto [stop, ec] = std::from_chars(ts.data(), end, seconds_since_epoch);
  if (ts.empty() || ec != std::errc{} || stop != end || seconds_since_epoch < 0) return {};
  std::string fraction = dot == std::string_view::npos ? "" : std::string(ts.substr(dot + 1));
  for (char c : fraction) {
    if (c < '0' || c > '9') return {};
  }
  using namespace std::chrono;
  const sys_seconds at{seconds{seconds_since_epoch}};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss time{at - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return std::string(text) + (fraction.empty() ? "" : "." + fraction) + "Z";
}

std::string encode_reply_body(const PlatformReply& reply) {
  rapidjson::StringBuffer buffer;
  core::JsonWriter w(buffer);
  auto field = [&w](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  field("id", reply.id);
  field("in_reply_to", reply.in_reply_to);
  w.Key("from");
  w.StartObject();
  field("slack_user_id", reply.slack_user_id);
  field("platform_user_id", reply.platform_user_id);
  field("email", reply.email);
  w.EndObject();
  field("text", reply.text);
  field("sent_at", reply.sent_at);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace bridgebot::bridge
