// Small RapidJSON helpers for building Slack's answers.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgebot::emulator {

using JsonAllocator = rapidjson::Document::AllocatorType;

rapidjson::Value json_string(std::string_view text, JsonAllocator& allocator);
void add_member(rapidjson::Value& object, std::string_view key, rapidjson::Value value,
                JsonAllocator& allocator);
void add_string(rapidjson::Value& object, std::string_view key, std::string_view value,
                JsonAllocator& allocator);
void add_bool(rapidjson::Value& object, std::string_view key, bool value, JsonAllocator& allocator);
// Parses `text` into a value owned by `allocator`; nothing when it is not valid JSON.
std::optional<rapidjson::Value> parse_json(std::string_view text, JsonAllocator& allocator);
std::string to_json(const rapidjson::Value& value);

}  // namespace bridgebot::emulator
