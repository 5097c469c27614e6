// JSON from outside as core::parse_json reads it for every parser (platform bodies, Slack Web API
// and OAuth answers, Socket Mode frames): never a crash or a stack overflow whatever the nesting,
// nesting deeper than kMaxJsonDepth and invalid UTF-8 refused, and what parses writes back out as
// JSON that parses to the same text.
#include <algorithm>
#include <string>

#include "bridgebot/core/json.h"
#include "fuzz_check.h"

using namespace bridgebot;

namespace {

int depth_of(const rapidjson::Value& value) {
  int deepest = 0;
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) deepest = std::max(deepest, depth_of(item));
    return deepest + 1;
  }
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      deepest = std::max(deepest, depth_of(member.value));
    }
    return deepest + 1;
  }
  return 0;
}

bool strings_clean_utf8(const rapidjson::Value& value) {
  if (value.IsString()) {
    const std::string text(value.GetString(), value.GetStringLength());
    std::string without_nul = text;
    std::erase(without_nul, '\0');  // NUL is valid JSON; is_clean_text refuses it separately
    return core::is_clean_text(without_nul);
  }
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (!strings_clean_utf8(item)) return false;
    }
  }
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      if (!strings_clean_utf8(member.name) || !strings_clean_utf8(member.value)) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = core::parse_json(fuzz::as_text(data, size));
  if (!parsed.ok()) {
    fuzz::check(parsed.error().code == "invalid_json", "a refusal is invalid_json");
    return 0;
  }
  fuzz::check(depth_of(*parsed) <= core::kMaxJsonDepth, "no deeper than the limit");
  fuzz::check(strings_clean_utf8(*parsed), "every string is valid UTF-8");
  const std::string written = core::to_json(*parsed);
  auto again = core::parse_json(written);
  fuzz::check(again.ok(), "what parsed writes back as JSON that parses");
  fuzz::check(core::to_json(*again) == written, "and reads back the same");
  return 0;
}
