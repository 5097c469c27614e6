// RapidJSON's Writer into a StringBuffer, with strings that need no escaping copied whole.
//
// RapidJSON writes a string character by character (a call of its SSE2 scan per character of a
// string shorter than 16 bytes, and of every string's tail): ~7 cycles per byte, most of the
// cost of an accepted message's outbox payload. A string that holds no control character, '"' or
// '\\' comes out of RapidJSON as its own bytes between quotes (non-ASCII UTF-8 is not escaped), so
// such a string is copied as a block here; any other string goes through RapidJSON's escaping.
// The text written is the same byte for byte (tests/unit/core_json_writer_test.cpp).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace bridgebot::core {

// Whether RapidJSON's Writer escapes any byte of `text`: one below 0x20, '"' or '\\'. Eight bytes
// at a time: a byte is flagged only when it is ASCII (its high bit clear) and subtracting 0x20,
// or 1 from it xor '"' or xor '\\', borrows; a borrow that spills into the next byte starts only
// at a byte that is itself flagged, so "any" is exact.
inline bool json_needs_escape(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::size_t at = 0;
  for (; text.size() - at >= sizeof(std::uint64_t); at += sizeof(std::uint64_t)) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + at, sizeof word);
    const std::uint64_t control = word - kOnes * 0x20;
    const std::uint64_t quote = (word ^ (kOnes * '"')) - kOnes;
    const std::uint64_t backslash = (word ^ (kOnes * '\\')) - kOnes;
    if (((control | quote | backslash) & ~word & kHighBits) != 0) return true;
  }
  for (; at < text.size(); ++at) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

class JsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Base = rapidjson::Writer<rapidjson::StringBuffer>;
  using Base::Base;

  // Every overload of String and Key is redeclared: Base's Key calls Base's String.
  bool String(const char* text, rapidjson::SizeType length, bool copy = false) {
    if (json_needs_escape(std::string_view(text, length))) return Base::String(text, length, copy);
    Prefix(rapidjson::kStringType);
    char* out = os_->Push(length + 2);
    out[0] = '"';
    std::memcpy(out + 1, text, length);
    out[length + 1] = '"';
    return EndValue(true);
  }
  bool String(const char* text) {
    return String(text, static_cast<rapidjson::SizeType>(std::strlen(text)));
  }
  bool String(const std::string& text) {
    return String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
  bool Key(const char* text, rapidjson::SizeType length, bool copy = false) {
    return String(text, length, copy);
  }
  bool Key(const char* text) { return String(text); }
  bool Key(const std::string& text) { return String(text); }
};

}  // namespace bridgebot::core
