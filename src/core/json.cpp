#include "bridgebot/core/json.h"

#include <rapidjson/error/en.h>

namespace bridgebot::core {

Result<rapidjson::Document> parse_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return make_error("invalid_json", std::string("malformed JSON at offset ") +
                                          std::to_string(doc.GetErrorOffset()) + ": " +
                                          rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

std::string json_quote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {
const rapidjson::Value* member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}
}  // namespace

std::optional<std::string> json_string(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<bool> json_bool(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::optional<std::int64_t> json_int(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

const rapidjson::Value* json_object(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->IsObject() ? v : nullptr;
}

const rapidjson::Value* json_array(const rapidjson::Value& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

std::string json_string_or(const rapidjson::Value& object, const char* key, std::string fallback) {
  auto value = json_string(object, key);
  return value ? *value : std::move(fallback);
}

}  // namespace bridgebot::core
