#include "bridgebot/bridge/outbox_payloads.h"

#include "bridgebot/core/json.h"

namespace bridgebot::bridge {
namespace {

using core::JsonWriter;

void write_pair(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

const char* mention_type_name(MentionType type) {
  switch (type) {
    case MentionType::user:
      return "user";
    case MentionType::all:
      return "all";
    case MentionType::here:
      return "here";
    case MentionType::group:
      return "group";
  }
  return "user";
}

MentionType mention_type_of(const std::string& name) {
  if (name == "all") return MentionType::all;
  if (name == "here") return MentionType::here;
  if (name == "group") return MentionType::group;
  return MentionType::user;
}

void write_mention(JsonWriter& w, const Mention& m) {
  w.StartObject();
  write_pair(w, "type", mention_type_name(m.type));
  write_pair(w, "id", m.id);
  write_pair(w, "email", m.email);
  write_pair(w, "name", m.name);
  w.EndObject();
}

Mention read_mention(const rapidjson::Value& v) {
  return Mention{mention_type_of(core::json_string_or(v, "type")), core::json_string_or(v, "id"),
                 core::json_string_or(v, "email"), core::json_string_or(v, "name")};
}

Error corrupt(const char* what) {
  return make_error("invalid_payload", std::string("outbox payload is not a valid ") + what);
}

}  // namespace

std::string encode_message_payload(const MessagePayload& payload) {
  const PlatformMessage& m = payload.message;
  // The writer reserves 6 bytes per character of the string it writes (each might need \u
  // escaping): room for the text's from the start spares growing the buffer once per field.
  rapidjson::StringBuffer buffer(nullptr, 1024 + 6 * m.text.size());
  JsonWriter w(buffer);
  w.StartObject();
  write_pair(w, "id", m.id);
  write_pair(w, "team_id", m.team_id);
  w.Key("sender");
  w.StartObject();
  write_pair(w, "id", m.sender.id);
  write_pair(w, "email", m.sender.email);
  write_pair(w, "name", m.sender.name);
  write_pair(w, "avatar_url", m.sender.avatar_url);
  w.Key("external");
  w.Bool(m.sender.external);
  w.EndObject();
  w.Key("mentions");
  w.StartArray();
  for (const auto& mention : m.mentions) write_mention(w, mention);
  w.EndArray();
  write_pair(w, "text", m.text);
  write_pair(w, "url", m.url);
  write_pair(w, "space_id", m.space_id);
  write_pair(w, "space_name", m.space_name);
  write_pair(w, "sent_at", m.sent_at);
  w.Key("recipient");
  write_mention(w, payload.recipient);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<MessagePayload> decode_message_payload(std::string_view json) {
  auto doc = core::parse_json(json);
  if (!doc.ok() || !doc->IsObject()) return corrupt("message");
  const auto& d = *doc;
  MessagePayload out;
  PlatformMessage& m = out.message;
  m.id = core::json_string_or(d, "id");
  m.team_id = core::json_string_or(d, "team_id");
  if (const auto* sender = core::json_object(d, "sender")) {
    m.sender.id = core::json_string_or(*sender, "id");
    m.sender.email = core::json_string_or(*sender, "email");
    m.sender.name = core::json_string_or(*sender, "name");
    m.sender.avatar_url = core::json_string_or(*sender, "avatar_url");
    m.sender.external = core::json_bool(*sender, "external").value_or(false);
  }
  if (const auto* mentions = core::json_array(d, "mentions")) {
    for (const auto& v : mentions->GetArray()) m.mentions.push_back(read_mention(v));
  }
  m.text = core::json_string_or(d, "text");
  m.url = core::json_string_or(d, "url");
  m.space_id = core::json_string_or(d, "space_id");
  m.space_name = core::json_string_or(d, "space_name");
  m.sent_at = core::json_string_or(d, "sent_at");
  const auto* recipient = core::json_object(d, "recipient");
  if (m.id.empty() || recipient == nullptr) return corrupt("message");
  out.recipient = read_mention(*recipient);
  return out;
}

std::string encode_notification_payload(const PlatformNotification& n) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_pair(w, "id", n.id);
  write_pair(w, "team_id", n.team_id);
  write_pair(w, "route", n.route);
  write_pair(w, "title", n.title);
  write_pair(w, "text", n.text);
  write_pair(w, "severity", n.severity);
  write_pair(w, "url", n.url);
  w.Key("fields");
  w.StartArray();
  for (const auto& field : n.fields) {
    w.StartObject();
    write_pair(w, "title", field.title);
    write_pair(w, "value", field.value);
    w.EndObject();
  }
  w.EndArray();
  write_pair(w, "thread_key", n.thread_key);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<PlatformNotification> decode_notification_payload(std::string_view json) {
  auto doc = core::parse_json(json);
  if (!doc.ok() || !doc->IsObject()) return corrupt("notification");
  const auto& d = *doc;
  PlatformNotification n;
  n.id = core::json_string_or(d, "id");
  n.team_id = core::json_string_or(d, "team_id");
  n.route = core::json_string_or(d, "route");
  n.title = core::json_string_or(d, "title");
  n.text = core::json_string_or(d, "text");
  n.severity = core::json_string_or(d, "severity", "info");
  n.url = core::json_string_or(d, "url");
  if (const auto* fields = core::json_array(d, "fields")) {
    for (const auto& v : fields->GetArray()) {
      n.fields.push_back({core::json_string_or(v, "title"), core::json_string_or(v, "value")});
    }
  }
  n.thread_key = core::json_string_or(d, "thread_key");
  if (n.id.empty()) return corrupt("notification");
  return n;
}

}  // namespace bridgebot::bridge
