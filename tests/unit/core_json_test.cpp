#include <array>
#include <catch2/catch.hpp>

#include "bridgebot/core/json.h"

using namespace bridgebot::core;

namespace {

std::string nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

}  // namespace

TEST_CASE("nesting up to the limit parses, deeper is invalid_json", "[core][json]") {
  CHECK(parse_json(nested(kMaxJsonDepth)).ok());
  auto deeper = parse_json(nested(kMaxJsonDepth + 1));
  REQUIRE_FALSE(deeper.ok());
  CHECK(deeper.error().code == "invalid_json");
  CHECK(deeper.error().message.find("nested deeper than 64") != std::string::npos);
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(static_cast<std::size_t>(kMaxJsonDepth) + 1, '}');
  CHECK_FALSE(parse_json(objects).ok());
}

TEST_CASE("200,000 open brackets are refused without exhausting the stack", "[core][json]") {
  // Recursive parsing overflowed the stack here and killed the process.
  auto open = parse_json(std::string(200'000, '['));
  REQUIRE_FALSE(open.ok());
  CHECK(open.error().code == "invalid_json");
  CHECK_FALSE(parse_json(std::string(200'000, '{')).ok());
  CHECK_FALSE(parse_json(std::string(100'000, '[') + std::string(100'000, ']')).ok());
}

TEST_CASE("strings that are not UTF-8 are invalid_json", "[core][json]") {
  CHECK(parse_json("{\"a\":\"caf\xc3\xa9\"}").ok());
  for (std::string bad : {"\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xe2\x82"}) {
    INFO(bad.size());
    auto parsed = parse_json("{\"a\":\"" + bad + "\"}");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == "invalid_json");
  }
}

TEST_CASE("a parsed document keeps every value and NUL inside strings", "[core][json]") {
  auto doc =
      parse_json(R"({"a":[1,-2,3.5,true,null,"x\u0000y"],"b":{"c":"d"},"n":18446744073709551615})");
  REQUIRE(doc.ok());
  CHECK(to_json(*doc) ==
        R"({"a":[1,-2,3.5,true,null,"x\u0000y"],"b":{"c":"d"},"n":18446744073709551615})");
  CHECK(json_string(*doc, "b") == std::nullopt);
  CHECK(json_string(*json_object(*doc, "b"), "c") == "d");
}

TEST_CASE("clean text is UTF-8 without NUL", "[core][json]") {
  CHECK(is_clean_text(""));
  CHECK(is_clean_text("p-bob"));
  CHECK(is_clean_text("Zoë \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_clean_text(std::string("a\0x", 3)));
  CHECK_FALSE(is_clean_text("a\xff"));
  CHECK_FALSE(is_clean_text("\xe2\x82"));
  CHECK_FALSE(is_clean_text("\xed\xa0\x80"));  // a UTF-16 surrogate, not a character
}

TEST_CASE("UTF-8 is checked wherever a bad byte sits in a long text", "[core][json]") {
  // Runs of ASCII are passed over a word at a time: a bad sequence at any offset, and a good one
  // straddling any word boundary, must still be told apart.
  const std::string ascii(40, 'a');
  for (std::size_t at = 0; at <= ascii.size(); ++at) {
    INFO(at);
    const std::string head = ascii.substr(0, at);
    const std::string tail = ascii.substr(at);
    CHECK(parse_json("[\"" + head + "\xe2\x82\xac" + tail + "\"]").ok());        // euro sign
    CHECK(parse_json("{\"" + head + "\xf0\x9f\x98\x80" + tail + "\":1}").ok());  // emoji key
    for (std::string bad : {"\xff", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\x80"}) {
      auto parsed = parse_json("[\"" + head + bad + tail + "\"]");
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.error().code == "invalid_json");
      CHECK_FALSE(is_clean_text(head + bad + tail));
    }
  }
  CHECK_FALSE(parse_json("[\"" + ascii + "\xe2").ok());  // cut short at the very end
}

TEST_CASE("checking JSON builds nothing and tells the top-level type", "[core][json]") {
  CHECK(check_json(R"( [{"type":"section","n":1.50}] )").value() == rapidjson::kArrayType);
  CHECK(check_json(R"({"a":[]})").value() == rapidjson::kObjectType);
  CHECK(check_json(R"("x")").value() == rapidjson::kStringType);
  CHECK(check_json("-1").value() == rapidjson::kNumberType);
  CHECK(check_json("null").value() == rapidjson::kNullType);
  CHECK(check_json(nested(kMaxJsonDepth)).ok());
  for (std::string bad :
       {std::string("[{oops"), std::string(""), std::string("[1] [2]"), std::string("[\"\xff\"]"),
        nested(kMaxJsonDepth + 1), std::string("[1]\0{", 5)}) {
    INFO(bad);
    auto checked = check_json(bad);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().code == "invalid_json");
  }
}

TEST_CASE("a NUL byte anywhere in the text is invalid_json, not the end of the text",
          "[core][json]") {
  // The reader takes a NUL for the end of its input: what follows would go unchecked.
  for (std::string bad : {std::string("{}\0{", 3), std::string("[1]\0garbage", 11),
                          std::string("{\"a\":\"x\0y\"}", 11)}) {
    INFO(bad.size());
    auto parsed = parse_json(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == "invalid_json");
    CHECK(parsed.error().message.find("NUL") != std::string::npos);
  }
}

TEST_CASE("strings of every length keep their escapes wherever they fall", "[core][json]") {
  // Unescaped runs are read and written 16 bytes at a time: an escape at any offset, and a
  // string ending at any offset, must come out as it went in.
  for (std::size_t length = 0; length <= 40; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      std::string text(length, 'x');
      text.insert(at, "\"\\\n\t\x01/");
      INFO(length << " " << at);
      const std::string quoted = json_quote(text);
      auto parsed = parse_json("[" + quoted + "," + quoted + "]");
      REQUIRE(parsed.ok());
      CHECK(std::string((*parsed)[0].GetString(), (*parsed)[0].GetStringLength()) == text);
      CHECK(check_json(quoted).value() == rapidjson::kStringType);
    }
  }
}

TEST_CASE("a parsed document's strings outlive the text and a move of the document",
          "[core][json]") {
  // Strings are read in place, in a copy of the text that the document's allocator holds.
  rapidjson::Document kept;
  {
    std::string text = R"({"a":"x\"y\u00e9","b":["a string longer than sixteen bytes"],"c":"z"})";
    auto parsed = parse_json(text);
    REQUIRE(parsed.ok());
    text.assign(text.size(), '#');
    kept = std::move(*parsed);
  }
  CHECK(json_string(kept, "a") == "x\"y\xc3\xa9");
  CHECK(std::string((*json_array(kept, "b"))[0].GetString()) ==
        "a string longer than sixteen bytes");
  CHECK(to_json(kept) == R"({"a":"x\"yé","b":["a string longer than sixteen bytes"],"c":"z"})");

  JsonArena arena;
  std::string text = R"({"id":"m-1","text":"hello"})";
  auto in_arena = parse_json(text, arena);
  REQUIRE(in_arena.ok());
  text.assign(text.size(), '#');
  CHECK(json_string(*in_arena, "text") == "hello");
}

TEST_CASE("reading the top level keeps the wanted strings and booleans, nested ones aside",
          "[core][json]") {
  std::array<TopLevelMember, 4> members{
      {{"ok", {}, {}}, {"channel", {}, {}}, {"ts", {}, {}}, {"error", {}, {}}}};
  // The echoed message holds a channel and a ts of its own; a repeated key counts once, first.
  auto read = read_top_level(
      R"({"message":{"channel":"X","ts":"9","ok":false},"ok":true,"channel":"D\u0034\"2",)"
      R"("ts":"1.2","channel":"later","error":7,"blocks":[{"ts":"8"}]})",
      members);
  REQUIRE(read.ok());
  CHECK(*read);
  CHECK(members[0].boolean == true);
  CHECK_FALSE(members[0].string);
  CHECK(members[1].string == "D4\"2");
  CHECK(members[2].string == "1.2");
  CHECK_FALSE(members[3].string);  // a number, not a string
  CHECK_FALSE(members[3].boolean);

  std::array<TopLevelMember, 1> ok{{{"ok", {}, {}}}};
  auto array = read_top_level(R"([{"ok":true}])", ok);
  REQUIRE(array.ok());
  CHECK_FALSE(*array);
  CHECK_FALSE(ok[0].boolean);
}

TEST_CASE("reading the top level refuses what parsing refuses, after the wanted members too",
          "[core][json]") {
  const std::string large_tail = std::string(5000, 'x');
  for (const std::string& text :
       {std::string(R"({"ok":true,"channel":"D1","ts":"1.2","message":{"text":"x")"),
        std::string(R"({"ok":true,"ts":"1.2"} trailing)"),
        std::string(R"({"ok":true,"ts":"1.2","text":")") + large_tail + "\xff\"}",
        std::string("{\"ok\":true,\"ts\":\"1.2\"}\0", 23) + "x",
        R"({"ok":true,"deep":)" + nested(kMaxJsonDepth) + "}", std::string()}) {
    INFO(text.substr(0, 80));
    std::array<TopLevelMember, 2> members{{{"ok", {}, {}}, {"ts", {}, {}}}};
    auto read = read_top_level(text, members);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == "invalid_json");
  }
  // Read recursively: the depth limit is what keeps 200,000 open brackets off the C++ stack.
  std::array<TopLevelMember, 1> deep{{{"ok", {}, {}}}};
  auto brackets = read_top_level(R"({"ok":true,"a":)" + std::string(200'000, '['), deep);
  REQUIRE_FALSE(brackets.ok());
  CHECK(brackets.error().code == "invalid_json");
  CHECK(brackets.error().message.find("deeper") != std::string::npos);

  std::array<TopLevelMember, 1> ok{{{"ok", {}, {}}}};
  CHECK(read_top_level(R"({"ok":true,"deep":)" + nested(kMaxJsonDepth - 1) + "}", ok).ok());
  CHECK(ok[0].boolean == true);
}
