// Tolerant field readers for Slack's JSON: a missing or mistyped field reads as empty/false/0.
// Private to src/slack.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

namespace bridgebot::slack::json {

inline const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline std::string string_field(const rapidjson::Value& object, const char* name) {
  const auto* v = member(object, name);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string{};
}

inline bool bool_field(const rapidjson::Value& object, const char* name) {
  const auto* v = member(object, name);
  return v && v->IsBool() && v->GetBool();
}

inline std::optional<std::int64_t> int_field(const rapidjson::Value& object, const char* name) {
  const auto* v = member(object, name);
  if (!v || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

// An object member, or an empty object when absent, null or not an object.
inline const rapidjson::Value& object_field(const rapidjson::Value& object, const char* name) {
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const auto* v = member(object, name);
  return v && v->IsObject() ? *v : kEmpty;
}

}  // namespace bridgebot::slack::json
