#include "bridgebot/bridge/message_builder.h"

#include <cctype>
#include <vector>

#include "bridgebot/core/json.h"
#include "bridgebot/slack/mrkdwn.h"

namespace bridgebot::bridge {
namespace {

using core::JsonWriter;
using slack::escape_mrkdwn;

// Names and space names are cut before they go into a header line, so the line stays short.
constexpr std::size_t kMaxNameChars = 100;
constexpr std::string_view kLinkLabel = "Open in platform";
// Slack shows a message's username plain (no mrkdwn); it only needs to stay short.
constexpr std::size_t kMaxUsernameChars = 80;

// truncate_text on already escaped text, without leaving half an entity ("&am…") behind: after
// escape_mrkdwn every '&' starts an entity that ends with ';'.
std::string cut_escaped(const std::string& escaped, std::size_t max_chars) {
  if (escaped.size() <= max_chars) return escaped;  // bytes bound code points
  std::string cut = slack::truncate_text(escaped, max_chars);
  if (cut == escaped) return cut;
  std::string kept = cut.substr(0, cut.size() - slack::kEllipsis.size());
  const auto amp = kept.rfind('&');
  if (amp != std::string::npos && kept.find(';', amp) == std::string::npos) kept.resize(amp);
  return kept + std::string(slack::kEllipsis);
}

std::string escaped_name(std::string_view name) {
  return cut_escaped(escape_mrkdwn(name), kMaxNameChars);
}

std::string in_space(const PlatformMessage& message) {
  return message.space_name.empty() ? "" : " in " + escaped_name(message.space_name);
}

void write_string(JsonWriter& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_text_object(JsonWriter& w, const char* type, std::string_view text) {
  w.StartObject();
  w.Key("type");
  w.String(type);
  w.Key("text");
  write_string(w, text);
  w.EndObject();
}

void write_section(JsonWriter& w, std::string_view mrkdwn) {
  w.StartObject();
  w.Key("type");
  w.String("section");
  w.Key("text");
  write_text_object(w, "mrkdwn", mrkdwn);
  w.EndObject();
}

void write_context(JsonWriter& w, std::string_view mrkdwn) {
  w.StartObject();
  w.Key("type");
  w.String("context");
  w.Key("elements");
  w.StartArray();
  write_text_object(w, "mrkdwn", mrkdwn);
  w.EndArray();
  w.EndObject();
}

void write_header(JsonWriter& w, std::string_view plain_text) {
  w.StartObject();
  w.Key("type");
  w.String("header");
  w.Key("text");
  write_text_object(w, "plain_text", plain_text);
  w.EndObject();
}

void write_fields(JsonWriter& w, const std::vector<std::string>& fields) {
  w.StartObject();
  w.Key("type");
  w.String("section");
  w.Key("fields");
  w.StartArray();
  for (const auto& field : fields) write_text_object(w, "mrkdwn", field);
  w.EndArray();
  w.EndObject();
}

// The link back to the platform, or "" when there is none or it would not fit a context element
// (it grows when escaped: '&' becomes "&amp;", a space "%20"). Its size in bytes bounds its size
// in characters, so every budget below that subtracts it stays positive.
std::string link_back(std::string_view url) {
  std::string link = slack_link(url, kLinkLabel);
  return link.size() <= kMaxContextChars ? link : std::string();
}

// `text` cut so that it plus "\n" + link fits kMaxTextChars, then the link.
std::string fallback_text(const std::string& escaped, const std::string& link) {
  static_assert(kMaxContextChars + 1 < kMaxTextChars, "the link leaves room for text");
  if (link.empty()) return cut_escaped(escaped, kMaxTextChars);
  return cut_escaped(escaped, kMaxTextChars - link.size() - 1) + "\n" + link;
}

// A relayed message: the header line (already mrkdwn, trusted) above the escaped text, and the
// link back in a context block.
SlackMessage relay_message(const std::string& header, const PlatformMessage& message) {
  const std::string body = escape_mrkdwn(message.text);
  const std::string combined = header.empty() ? body : header + "\n" + body;
  const std::string link = link_back(message.url);

  // Room for the blocks' own ~120 bytes and what the writer reserves before writing a string (6
  // bytes per byte, for "\uXXXX"): the buffer is not grown on the way.
  rapidjson::StringBuffer buffer(nullptr, 6 * (combined.size() + link.size()) + 160);
  JsonWriter w(buffer);
  w.StartArray();
  write_section(w, cut_escaped(combined, kMaxSectionChars));
  if (!link.empty()) write_context(w, link);
  w.EndArray();

  SlackMessage out;
  out.text = fallback_text(combined, link);
  out.blocks_json.assign(buffer.GetString(), buffer.GetSize());
  return out;
}

bool is_http_url(std::string_view url) {
  auto starts_with_ci = [&](std::string_view prefix) {
    if (url.size() <= prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    }
    return true;
  };
  return starts_with_ci("https://") || starts_with_ci("http://");
}

struct Severity {
  std::string_view emoji;
  std::string_view word;
};

Severity severity_of(std::string_view severity) {
  if (severity == "critical") return {":rotating_light:", "Critical"};
  if (severity == "warning") return {":warning:", "Warning"};
  return {":information_source:", "Info"};
}

}  // namespace

std::string slack_link(std::string_view url, std::string_view label) {
  if (!is_http_url(url)) return {};
  constexpr std::string_view kHex = "0123456789ABCDEF";
  const std::string escaped_label = escape_mrkdwn(label);
  std::string link;
  link.reserve(url.size() + escaped_label.size() + 8);
  link += '<';
  for (char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '&') {
      link += "&amp;";
    } else if (c == '<' || c == '>' || c == '|' || byte <= 0x20 || byte == 0x7F) {
      link += '%';
      link += kHex[byte >> 4];
      link += kHex[byte & 0xF];
    } else {
      link += c;
    }
  }
  link += '|';
  link += escaped_label;
  link += '>';
  return link;
}

SlackMessage build_linked_sender_dm(const PlatformMessage& message,
                                    std::string_view sender_slack_user_id, bool show_identity) {
  SlackMessage out = relay_message(
      "<@" + std::string(sender_slack_user_id) + "> mentioned you" + in_space(message) + ":",
      message);
  if (show_identity && !message.sender.name.empty()) {
    out.username = slack::truncate_text(message.sender.name, kMaxUsernameChars);
    if (is_http_url(message.sender.avatar_url)) out.icon_url = message.sender.avatar_url;
  }
  return out;
}

SlackMessage build_sender_copy(const PlatformMessage& message,
                               std::string_view recipient_slack_user_id) {
  return relay_message(
      "you \u2192 <@" + std::string(recipient_slack_user_id) + ">" + in_space(message) + ":",
      message);
}

SlackMessage build_fallback_dm(const PlatformMessage& message) {
  std::string who =
      message.sender.name.empty() ? std::string("Someone") : escaped_name(message.sender.name);
  if (message.sender.external) who += " (guest)";
  return relay_message(who + " mentioned you" + in_space(message) + ":", message);
}

SlackMessage build_connected_sender_post(const PlatformMessage& message) {
  return relay_message({}, message);
}

SlackMessage build_notification(const PlatformNotification& notification) {
  const Severity severity = severity_of(notification.severity);
  const std::string severity_line =
      std::string(severity.emoji) + " *" + std::string(severity.word) + "*";
  const std::string body = escape_mrkdwn(notification.text);
  const std::string link = link_back(notification.url);

  std::vector<std::string> fields;
  for (const auto& field : notification.fields) {
    if (fields.size() == kMaxFields) break;
    fields.push_back(cut_escaped(
        "*" + escape_mrkdwn(field.title) + "*\n" + escape_mrkdwn(field.value), kMaxFieldChars));
  }

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  // A header block is plain_text: Slack renders it literally, so it needs no escaping.
  if (!notification.title.empty()) {
    write_header(w, slack::truncate_text(notification.title, kMaxHeaderChars));
  }
  write_section(
      w, cut_escaped(body.empty() ? severity_line : severity_line + "\n" + body, kMaxSectionChars));
  if (!fields.empty()) write_fields(w, fields);
  if (!link.empty()) write_context(w, link);
  w.EndArray();

  std::string text = severity_line;
  if (!notification.title.empty()) text += " *" + escape_mrkdwn(notification.title) + "*";
  if (!body.empty()) text += "\n" + body;

  SlackMessage out;
  out.text = fallback_text(text, link);
  out.blocks_json.assign(buffer.GetString(), buffer.GetSize());
  return out;
}

std::string build_home_view(const HomeState& state) {
  std::string status;
  if (!state.linked) {
    status =
        "*You are not linked yet.* Link your Slack account in the platform's settings to get "
        "the messages that mention you here as direct messages.";
  } else if (state.connected) {
    status =
        "*You are connected.* Messages that mention you on the platform arrive as direct "
        "messages, and your messages to people who use Slack are posted as you.";
  } else {
    status =
        "*You are linked.* Messages that mention you on the platform arrive here as direct "
        "messages from this app.";
  }

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("type");
  w.String("home");
  w.Key("blocks");
  w.StartArray();
  write_header(w, "Platform mentions");
  write_section(w, status);
  write_context(w, "Unlinking in the platform stops these messages at once.");
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace bridgebot::bridge
