#include "bridgebot/api/request_parsing.h"

#include <string_view>

#include "bridgebot/core/json.h"

namespace bridgebot::api {
namespace {

using rapidjson::Value;

Error field_error(const std::string& field, const std::string& message) {
  Error e = make_error("invalid_field", field + " " + message);
  e.field = field;
  return e;
}

// Whether the strings of a body parse_json accepted may still hold NUL or bytes that are not
// UTF-8. It refused a body that is not UTF-8 or holds a NUL byte, so only a \u escape can
// unescape to either (\u0000, a lone surrogate such as \udc00): without one (nearly every body),
// each string is clean as it is. An escaped backslash before a 'u' is checked too, needlessly.
bool strings_need_check(std::string_view body) {
  return body.find("\\u") != std::string_view::npos;
}

// Reads fields of one JSON object, remembering the first problem (the contract reports one
// `field`). Unknown members are ignored, as the contract says.
class FieldReader {
 public:
  // `body`: the text the object was parsed from.
  FieldReader(const Value& object, std::string_view body)
      : FieldReader(object, "", strings_need_check(body)) {}

  // A reader of an object nested in this one, its fields named after `prefix`.
  FieldReader nested(const Value& object, std::string prefix) const {
    return FieldReader(object, std::move(prefix), check_text_);
  }

  std::string string(const char* key, bool required, std::size_t max_length = 4'000'000) {
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd() || it->value.IsNull()) {
      if (required) fail(prefix_ + key, "is required");
      return {};
    }
    if (!it->value.IsString()) {
      fail(prefix_ + key, "must be a string");
      return {};
    }
    std::string value(it->value.GetString(), it->value.GetStringLength());
    if (check_text_ && !core::is_clean_text(value)) {
      fail(prefix_ + key, "must be UTF-8 without NUL (no \\u0000, no lone surrogate as \\udc00)");
    }
    if (required && value.empty()) fail(prefix_ + key, "must not be empty");
    if (value.size() > max_length) {
      fail(prefix_ + key, "is longer than " + std::to_string(max_length));
    }
    return value;
  }

  bool boolean(const char* key) {
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd() || it->value.IsNull()) return false;
    if (!it->value.IsBool()) fail(prefix_ + key, "must be true or false");
    return it->value.IsBool() && it->value.GetBool();
  }

  // The member if it is an array (or absent: nullptr); a wrong type is a problem.
  const Value* array(const char* key) { return typed(key, &Value::IsArray, "must be an array"); }
  const Value* object(const char* key, bool required = false) {
    const Value* v = typed(key, &Value::IsObject, "must be an object");
    if (v == nullptr && required && !error_) fail(prefix_ + key, "is required");
    return v;
  }

  void fail(const std::string& path, const std::string& message) {
    if (!error_) error_ = field_error(path, message);
  }
  void absorb(const std::optional<Error>& other) {
    if (!error_ && other) error_ = other;
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  FieldReader(const Value& object, std::string prefix, bool check_text)
      : object_(object), prefix_(std::move(prefix)), check_text_(check_text) {}

  const Value* typed(const char* key, bool (Value::*is)() const, const char* message) {
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
    if (!(it->value.*is)()) {
      fail(prefix_ + key, message);
      return nullptr;
    }
    return &it->value;
  }

  const Value& object_;
  std::string prefix_;
  bool check_text_;
  std::optional<Error> error_;
};

Result<rapidjson::Document> parse_object(std::string_view body, core::JsonArena& arena) {
  auto doc = core::parse_json(body, arena);
  if (!doc.ok()) return doc.error();
  if (!doc->IsObject()) return make_error("invalid_json", "the body must be a JSON object");
  return doc;
}

void check_link(FieldReader& reader, const std::string& url, const char* key) {
  if (!url.empty() && url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    reader.fail(key, "must be an http:// or https:// URL");
  }
}

}  // namespace

Result<bridge::PlatformMessage> parse_message(std::string_view body) {
  core::JsonArena arena;
  auto doc = parse_object(body, arena);
  if (!doc.ok()) return doc.error();
  FieldReader reader(*doc, body);
  bridge::PlatformMessage m;
  m.id = reader.string("id", true, 128);
  m.team_id = reader.string("team_id", false, 64);
  if (const Value* sender = reader.object("sender", true)) {
    FieldReader s = reader.nested(*sender, "sender.");
    m.sender.id = s.string("id", true, 256);
    m.sender.email = s.string("email", false, 320);
    m.sender.name = s.string("name", false, 256);
    m.sender.avatar_url = s.string("avatar_url", false, 2048);
    m.sender.external = s.boolean("external");
    check_link(s, m.sender.avatar_url, "sender.avatar_url");
    reader.absorb(s.error());
  }
  if (const Value* mentions = reader.array("mentions")) {
    for (rapidjson::SizeType i = 0; i < mentions->Size(); ++i) {
      const std::string path = "mentions[" + std::to_string(i) + "]";
      if (!(*mentions)[i].IsObject()) {
        reader.fail(path, "must be an object");
        break;
      }
      FieldReader r = reader.nested((*mentions)[i], path + ".");
      bridge::Mention mention;
      const std::string type = r.string("type", true);
      if (type == "user") {
        mention.type = bridge::MentionType::user;
      } else if (type == "all") {
        mention.type = bridge::MentionType::all;
      } else if (type == "here") {
        mention.type = bridge::MentionType::here;
      } else if (type == "group") {
        mention.type = bridge::MentionType::group;
      } else if (!type.empty()) {
        r.fail(path + ".type", "must be one of user, all, here, group");
      }
      mention.id = r.string("id", false, 256);
      mention.email = r.string("email", false, 320);
      mention.name = r.string("name", false, 256);
      if (mention.type == bridge::MentionType::user && mention.id.empty() &&
          mention.email.empty()) {
        r.fail(path + ".id", "is required for a user mention (or give email)");
      }
      reader.absorb(r.error());
      m.mentions.push_back(std::move(mention));
    }
  }
  m.text = reader.string("text", true, 40'000);
  m.url = reader.string("url", false, 2048);
  check_link(reader, m.url, "url");
  if (const Value* space = reader.object("space")) {
    FieldReader s = reader.nested(*space, "space.");
    m.space_id = s.string("id", false, 256);
    m.space_name = s.string("name", false, 256);
    reader.absorb(s.error());
  }
  m.sent_at = reader.string("sent_at", false, 64);
  if (reader.error()) return *reader.error();
  return m;
}

Result<bridge::PlatformNotification> parse_notification(std::string_view body) {
  core::JsonArena arena;
  auto doc = parse_object(body, arena);
  if (!doc.ok()) return doc.error();
  FieldReader reader(*doc, body);
  bridge::PlatformNotification n;
  n.id = reader.string("id", true, 128);
  n.team_id = reader.string("team_id", false, 64);
  n.route = reader.string("route", true, 128);
  n.title = reader.string("title", false, 3000);
  n.text = reader.string("text", false, 40'000);
  if (!reader.error() && n.title.empty() && n.text.empty()) {
    reader.fail("title", "or text is required");
  }
  std::string severity = reader.string("severity", false);
  if (!severity.empty()) {
    if (severity != "info" && severity != "warning" && severity != "critical") {
      reader.fail("severity", "must be one of info, warning, critical");
    }
    n.severity = severity;
  }
  n.url = reader.string("url", false, 2048);
  check_link(reader, n.url, "url");
  if (const Value* fields = reader.array("fields")) {
    if (fields->Size() > 10) reader.fail("fields", "may hold at most 10 entries (Slack's limit)");
    for (rapidjson::SizeType i = 0; i < fields->Size() && i < 10; ++i) {
      const std::string path = "fields[" + std::to_string(i) + "]";
      if (!(*fields)[i].IsObject()) {
        reader.fail(path, "must be an object");
        break;
      }
      FieldReader f = reader.nested((*fields)[i], path + ".");
      bridge::NotificationField field{f.string("title", true, 256), f.string("value", false, 1900)};
      reader.absorb(f.error());
      n.fields.push_back(std::move(field));
    }
  }
  n.thread_key = reader.string("thread_key", false, 256);
  if (reader.error()) return *reader.error();
  return n;
}

Result<LinkRequest> parse_link_request(std::string_view body) {
  core::JsonArena arena;
  auto doc = parse_object(body, arena);
  if (!doc.ok()) return doc.error();
  FieldReader reader(*doc, body);
  LinkRequest request{reader.string("email", true, 320), reader.string("team_id", false, 64)};
  if (!reader.error() && request.email.find('@') == std::string::npos) {
    reader.fail("email", "must be an email address");
  }
  if (reader.error()) return *reader.error();
  return request;
}

}  // namespace bridgebot::api
