#include "bridgebot/core/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <cstring>
#include <span>

namespace bridgebot::core {
namespace {

using rapidjson::SizeType;

// Hands the parser's events to a Document (none: builds nothing), stopping the parse at the first
// array or object nested deeper than kMaxJsonDepth.
class DepthLimited {
 public:
  explicit DepthLimited(rapidjson::Document* document) : doc_(document) {}

  bool Null() { return !doc_ || doc_->Null(); }
  bool Bool(bool b) { return !doc_ || doc_->Bool(b); }
  bool Int(int i) { return !doc_ || doc_->Int(i); }
  bool Uint(unsigned u) { return !doc_ || doc_->Uint(u); }
  bool Int64(std::int64_t i) { return !doc_ || doc_->Int64(i); }
  bool Uint64(std::uint64_t u) { return !doc_ || doc_->Uint64(u); }
  bool Double(double d) { return !doc_ || doc_->Double(d); }
  bool RawNumber(const char* s, SizeType n, bool copy) {
    return !doc_ || doc_->RawNumber(s, n, copy);
  }
  bool String(const char* s, SizeType n, bool copy) { return !doc_ || doc_->String(s, n, copy); }
  bool Key(const char* s, SizeType n, bool copy) { return !doc_ || doc_->Key(s, n, copy); }
  bool StartObject() { return enter() && (!doc_ || doc_->StartObject()); }
  bool EndObject(SizeType members) { return leave() && (!doc_ || doc_->EndObject(members)); }
  bool StartArray() { return enter() && (!doc_ || doc_->StartArray()); }
  bool EndArray(SizeType elements) { return leave() && (!doc_ || doc_->EndArray(elements)); }

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

  rapidjson::Document* doc_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// Where `text` stops being UTF-8, or npos. The same check as RapidJSON's
// kParseValidateEncodingFlag, made once over the whole text instead of a call per character of
// every string: runs of ASCII (nearly all JSON from outside) are passed over 8 bytes at a time,
// each other sequence is RapidJSON's own UTF8::Validate.
std::size_t invalid_utf8_at(std::string_view text) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::size_t at = 0;
  while (at < text.size()) {
    std::uint64_t word = 0;
    if (text.size() - at >= sizeof word) {
      std::memcpy(&word, text.data() + at, sizeof word);
      if ((word & kHighBits) == 0) {
        at += sizeof word;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[at]) < 0x80) {
      ++at;
      continue;
    }
    // One multi-byte sequence; the stream reads NUL past the end, which no sequence accepts.
    rapidjson::MemoryStream sequence(text.data() + at, text.size() - at);
    struct Discard {
      void Put(char) {}
    } sink;
    if (!rapidjson::UTF8<>::Validate(sequence, sink)) return at;
    at += sequence.Tell();
  }
  return std::string_view::npos;
}

// Captures the string and boolean values of the wanted top-level members of an object (the
// depth limit as DepthLimited's), building nothing.
class TopLevelFields {
 public:
  explicit TopLevelFields(std::span<TopLevelMember> members) : members_(members) {}

  bool Null() { return scalar(); }
  bool Bool(bool b) {
    if (wanted_ != nullptr) wanted_->boolean = b;
    return scalar();
  }
  bool Int(int) { return scalar(); }
  bool Uint(unsigned) { return scalar(); }
  bool Int64(std::int64_t) { return scalar(); }
  bool Uint64(std::uint64_t) { return scalar(); }
  bool Double(double) { return scalar(); }
  bool RawNumber(const char*, SizeType, bool) { return scalar(); }
  bool String(const char* s, SizeType n, bool) {
    if (wanted_ != nullptr) wanted_->string.emplace(s, n);
    return scalar();
  }
  bool Key(const char* s, SizeType n, bool) {
    if (depth_ == 1) wanted_ = first_time(std::string_view(s, n));
    return true;
  }
  bool StartObject() {
    if (depth_ == 0) is_object_ = true;
    return enter();
  }
  bool EndObject(SizeType) { return leave(); }
  bool StartArray() { return enter(); }
  bool EndArray(SizeType) { return leave(); }

  bool too_deep() const { return too_deep_; }
  bool is_object() const { return is_object_; }

 private:
  bool scalar() {
    wanted_ = nullptr;
    return true;
  }
  bool enter() {
    wanted_ = nullptr;
    too_deep_ = ++depth_ > kMaxJsonDepth;
    return !too_deep_;
  }
  bool leave() {
    --depth_;
    return true;
  }
  TopLevelMember* first_time(std::string_view key) {
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (members_[i].key != key) continue;
      const std::uint32_t bit = std::uint32_t{1} << i;
      if ((seen_ & bit) != 0) return nullptr;
      seen_ |= bit;
      return &members_[i];
    }
    return nullptr;
  }

  std::span<TopLevelMember> members_;
  TopLevelMember* wanted_ = nullptr;  // the member whose value comes next
  std::uint32_t seen_ = 0;
  int depth_ = 0;
  bool too_deep_ = false;
  bool is_object_ = false;
};

struct ReadOutcome {
  rapidjson::ParseResult parsed;
  bool too_deep = false;
};

// What RapidJSON may read past the end of a text it reads in place: the NUL that ends it, and up
// to 15 bytes more that a 16-byte aligned load of its last string may take in.
constexpr std::size_t kPadding = 16;

// `text` copied to `copy` (text.size() + kPadding bytes), ended by the padding's zeros.
char* padded_copy(std::string_view text, char* copy) {
  std::memcpy(copy, text.data(), text.size());
  std::memset(copy + text.size(), 0, kPadding);
  return copy;
}

// Reads the padded copy of a text (whose UTF-8 was checked and which holds no NUL) into the
// handler, iteratively and in place: strings are unescaped where they lie and a document points
// at them instead of copying each one, and RapidJSON passes over unescaped runs 16 bytes at a
// time (RAPIDJSON_SSE2, src/core/CMakeLists.txt). kMode kParseDefaultFlags reads recursively
// instead, ~20% faster: the C++ stack then holds a frame per level, which the handler's depth
// limit bounds (it refuses the level before the reader enters it).
template <unsigned kMode = rapidjson::kParseIterativeFlag, typename Handler>
ReadOutcome read_json(char* padded, Handler& handler) {
  rapidjson::InsituStringStream input(padded);
  rapidjson::Reader reader;
  ReadOutcome outcome;
  outcome.parsed = reader.Parse<kMode | rapidjson::kParseInsituFlag>(input, handler);
  outcome.too_deep = handler.too_deep();
  return outcome;
}

std::optional<Error> failure_of(const ReadOutcome& outcome) {
  if (outcome.too_deep) {
    return make_error("invalid_json", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                          " levels at offset " +
                                          std::to_string(outcome.parsed.Offset()));
  }
  if (outcome.parsed.IsError()) {
    return make_error("invalid_json", std::string("malformed JSON at offset ") +
                                          std::to_string(outcome.parsed.Offset()) + ": " +
                                          rapidjson::GetParseError_En(outcome.parsed.Code()));
  }
  return std::nullopt;
}

// Text the reader cannot take: not UTF-8, or a NUL byte anywhere (the reader would take it for
// the end of the text, and whatever follows would go unchecked; JSON has none outside strings,
// where it is written \u0000).
std::optional<Error> unreadable(std::string_view text) {
  if (auto at = text.find('\0'); at != std::string_view::npos) {
    return make_error("invalid_json", "JSON text holds a NUL byte at offset " + std::to_string(at));
  }
  if (auto at = invalid_utf8_at(text); at != std::string_view::npos) {
    return make_error("invalid_json", "JSON text is not UTF-8 at offset " + std::to_string(at));
  }
  return std::nullopt;
}

}  // namespace

namespace {

// Parses `text` into `doc`, in place in a padded copy that the document's allocator holds (and
// frees with it), so that its strings may point into it.
Result<rapidjson::Document> parse_in_place(std::string_view text, rapidjson::Document doc) {
  if (auto refused = unreadable(text)) return *refused;
  char* padded =
      padded_copy(text, static_cast<char*>(doc.GetAllocator().Malloc(text.size() + kPadding)));
  ReadOutcome outcome;
  // Populate keeps the value only when the generator says the parse succeeded.
  auto generate = [&](rapidjson::Document& document) {
    DepthLimited handler(&document);
    outcome = read_json(padded, handler);
    return !outcome.parsed.IsError();
  };
  doc.Populate(generate);
  if (auto failed = failure_of(outcome)) return *failed;
  return doc;
}

}  // namespace

Result<rapidjson::Document> parse_json(std::string_view text) {
  return parse_in_place(text, rapidjson::Document());
}

Result<rapidjson::Document> parse_json(std::string_view text, JsonArena& arena) {
  return parse_in_place(text, rapidjson::Document(&arena.values()));
}

Result<rapidjson::Type> check_json(std::string_view text) {
  if (auto refused = unreadable(text)) return *refused;
  DepthLimited handler(nullptr);
  std::string copy(text.size() + kPadding, '\0');
  if (auto failed = failure_of(read_json(padded_copy(text, copy.data()), handler))) {
    return *failed;
  }
  switch (text[text.find_first_not_of(" \t\r\n")]) {  // well-formed: its first byte says the type
    case '{':
      return rapidjson::kObjectType;
    case '[':
      return rapidjson::kArrayType;
    case '"':
      return rapidjson::kStringType;
    case 't':
      return rapidjson::kTrueType;
    case 'f':
      return rapidjson::kFalseType;
    case 'n':
      return rapidjson::kNullType;
    default:
      return rapidjson::kNumberType;
  }
}

Result<bool> read_top_level(std::string_view text, std::span<TopLevelMember> members) {
  if (members.size() > 32) return make_error("invalid_argument", "more than 32 members wanted");
  if (auto refused = unreadable(text)) return *refused;
  // Slack's answers are small: most fit the stack.
  char small[2048];
  std::string large;
  char* copy = small;
  if (text.size() + kPadding > sizeof small) {
    large.resize(text.size() + kPadding);
    copy = large.data();
  }
  TopLevelFields handler(members);
  const ReadOutcome outcome =
      read_json<rapidjson::kParseDefaultFlags>(padded_copy(text, copy), handler);
  if (auto failed = failure_of(outcome)) return *failed;
  return handler.is_object();
}

bool is_clean_text(std::string_view text) {
  return text.find('\0') == std::string_view::npos &&
         invalid_utf8_at(text) == std::string_view::npos;
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
