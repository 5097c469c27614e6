#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "bridgebot/core/json.h"

using namespace bridgebot::core;

namespace {

// An object holding `text` as a key and as a value, and an array holding it, written by `Writer`.
template <class Writer>
std::string written(const std::string& text) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  w.Key("list");
  w.StartArray();
  w.String(text);
  w.String("x");
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string rapidjson_writes(const std::string& text) {
  return written<rapidjson::Writer<rapidjson::StringBuffer>>(text);
}

}  // namespace

TEST_CASE("the JSON writer writes what RapidJSON's writer writes, escapes included",
          "[core][json]") {
  std::vector<std::string> texts = {"",
                                    "plain",
                                    "sender@platform.example",
                                    "https://platform.example/m/1?a=b&c=d",
                                    "caf\xc3\xa9 \xf0\x9f\x98\x80",
                                    "\x7f del and / slash"};
  // Each byte that needs escaping, at every position of strings of 1 to 40 bytes (across the
  // eight-byte words the writer checks at once and their tails).
  for (const char special : {'"', '\\', '\n', '\t', '\x01', '\x1f', '\0'}) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = special;
        texts.push_back(text);
      }
    }
  }
  // Bytes next to the escaped ones, and high bytes, that must pass as they are.
  for (int c = 0; c < 256; ++c) texts.push_back("abcdefg" + std::string(1, static_cast<char>(c)));
  for (const auto& text : texts) {
    INFO("text of " << text.size() << " bytes");
    CHECK(written<JsonWriter>(text) == rapidjson_writes(text));
  }
  CHECK(written<JsonWriter>("say \"hi\"\n") ==
        R"({"say \"hi\"\n":"say \"hi\"\n","list":["say \"hi\"\n","x"]})");
}

TEST_CASE("a document written by the JSON writer reads back the same", "[core][json]") {
  auto doc = parse_json(R"({"a":"x\"y","b":[1,true,null,"\u0000z"],"c":{"d":"\u00e9"}})");
  REQUIRE(doc.ok());
  const std::string text = to_json(*doc);
  CHECK(text == "{\"a\":\"x\\\"y\",\"b\":[1,true,null,\"\\u0000z\"],\"c\":{\"d\":\"\xc3\xa9\"}}");
}
