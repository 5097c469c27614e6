#include "bridgebot/core/json.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace bridgebot::core {
namespace {

using rapidjson::SizeType;

// Hands the parser's events to a Document, stopping the parse at the first array or object
// nested deeper than kMaxJsonDepth.
class DepthLimited {
 public:
  explicit DepthLimited(rapidjson::Document& document) : doc_(document) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, SizeType n, bool copy) { return doc_.RawNumber(s, n, copy); }
  bool String(const char* s, SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(SizeType members) { return leave() && doc_.EndObject(members); }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(SizeType elements) { return leave() && doc_.EndArray(elements); }

  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    too_deep_ = ++depth_ > kMaxJsonDepth;
    return !too_deep_;
  }
  bool leave() {
    --depth_;
    return true;
  }

  rapidjson::Document& doc_;
  int depth_ = 0;
  bool too_deep_ = false;
};

}  // namespace

Result<rapidjson::Document> parse_json(std::string_view text) {
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  rapidjson::ParseResult parsed;
  bool too_deep = false;
  // Populate keeps the value only when the generator says the parse succeeded.
  auto generate = [&](rapidjson::Document& document) {
    rapidjson::MemoryStream memory(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(memory);
    DepthLimited handler(document);
    rapidjson::Reader reader;
    parsed = reader.Parse<kFlags>(input, handler);
    too_deep = handler.too_deep();
    return !parsed.IsError();
  };
  rapidjson::Document doc;
  doc.Populate(generate);
  if (too_deep) {
    return make_error("invalid_json", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                          " levels at offset " + std::to_string(parsed.Offset()));
  }
  if (parsed.IsError()) {
    return make_error("invalid_json", std::string("malformed JSON at offset ") +
                                          std::to_string(parsed.Offset()) + ": " +
                                          rapidjson::GetParseError_En(parsed.Code()));
  }
  return doc;
}

bool is_clean_text(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  rapidjson::MemoryStream memory(text.data(), text.size());
  struct Discard {
    void Put(char) {}
  } sink;
  while (memory.Peek() != '\0') {
    if (!rapidjson::UTF8<>::Validate(memory, sink)) return false;
  }
  return true;
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
