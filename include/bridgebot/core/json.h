// Small helpers over RapidJSON for reading outside input safely (every accessor tolerates a
// missing key or a wrong type) and for writing JSON text.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bridgebot/core/json_writer.h"
#include "bridgebot/core/result.h"

namespace bridgebot::core {

// Deepest nesting of arrays and objects parse_json accepts. Every JSON from outside (platform
// bodies, Slack answers, Socket Mode frames, OAuth answers) is far shallower.
inline constexpr int kMaxJsonDepth = 64;

// Parses text from outside: iteratively (no recursion, whatever the input), refusing nesting
// deeper than kMaxJsonDepth, strings that are not valid UTF-8 and a NUL byte anywhere (JSON has
// none: inside strings it is written \u0000). Error code invalid_json with the offset of the
// problem.
Result<rapidjson::Document> parse_json(std::string_view text);

// Memory for the values of a document parsed on a hot path (a platform request): the first 4 KiB
// are the arena itself, on the caller's stack, where a Document on its own allocates a 64 KiB
// chunk per parse (more work than parsing a small body). Keep it alive, unmoved, as long as a
// document parsed into it.
class JsonArena {
 public:
  JsonArena() : values_(buffer_, sizeof buffer_) {}
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;

  rapidjson::MemoryPoolAllocator<>& values() { return values_; }

 private:
  alignas(std::max_align_t) char buffer_[4096];
  rapidjson::MemoryPoolAllocator<> values_;
};
// parse_json, the document's values and a copy of the text (its strings point into it) allocated
// from `arena`.
Result<rapidjson::Document> parse_json(std::string_view text, JsonArena& arena);
// The same check, building nothing: the type of the top-level value. For text that is sent on
// as it is (Writer::RawValue) once it is known to be well-formed JSON of the expected type.
Result<rapidjson::Type> check_json(std::string_view text);

// One top-level member that read_top_level looks for, and what it found there.
struct TopLevelMember {
  std::string_view key;
  std::optional<std::string> string;  // its value, when a string
  std::optional<bool> boolean;        // its value, when true or false
};
// For text of which only a few top-level members are wanted (Slack's ok, error, channel, ts):
// reads the whole text and refuses exactly what parse_json refuses, so a malformed tail is
// refused too, but builds no document. Fills each of `members` found at the top level with a
// string or boolean value (the first occurrence of a key counts, as for a document's lookup).
// At most 32 members; the result tells whether the top-level value is an object.
Result<bool> read_top_level(std::string_view text, std::span<TopLevelMember> members);

// Whether text from outside can be stored and sent on as a string: valid UTF-8 without NUL
// (JSON allows "\u0000", but PostgreSQL text and C APIs end a string there, so "a\u0000x" and
// "a\u0000y" would become the same id).
bool is_clean_text(std::string_view text);

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);
// Serialises a value compactly.
std::string to_json(const rapidjson::Value& value);

// Typed member lookups: nullopt / nullptr when absent or of another type.
std::optional<std::string> json_string(const rapidjson::Value& object, const char* key);
std::optional<bool> json_bool(const rapidjson::Value& object, const char* key);
std::optional<std::int64_t> json_int(const rapidjson::Value& object, const char* key);
const rapidjson::Value* json_object(const rapidjson::Value& object, const char* key);
const rapidjson::Value* json_array(const rapidjson::Value& object, const char* key);

// Convenience: the string member or `fallback`.
std::string json_string_or(const rapidjson::Value& object, const char* key,
                           std::string fallback = {});

}  // namespace bridgebot::core
