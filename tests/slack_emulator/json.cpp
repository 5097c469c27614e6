#include "json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace bridgebot::emulator {

rapidjson::Value json_string(std::string_view text, JsonAllocator& allocator) {
  return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

void add_member(rapidjson::Value& object, std::string_view key, rapidjson::Value value,
                JsonAllocator& allocator) {
  object.AddMember(json_string(key, allocator), value, allocator);
}

void add_string(rapidjson::Value& object, std::string_view key, std::string_view value,
                JsonAllocator& allocator) {
  add_member(object, key, json_string(value, allocator), allocator);
}

void add_bool(rapidjson::Value& object, std::string_view key, bool value,
              JsonAllocator& allocator) {
  add_member(object, key, rapidjson::Value(value), allocator);
}

std::optional<rapidjson::Value> parse_json(std::string_view text, JsonAllocator& allocator) {
  rapidjson::Document parsed(&allocator);
  parsed.Parse(text.data(), text.size());
  if (parsed.HasParseError()) return std::nullopt;
  return rapidjson::Value(std::move(parsed.Move()));
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace bridgebot::emulator
