#include "bridgebot/slack/mrkdwn.h"

#include <array>
#include <cctype>

namespace bridgebot::slack {
namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool starts_with_keyword(std::string_view rest) {
  constexpr std::array<std::string_view, 3> kKeywords = {"channel", "here", "everyone"};
  for (std::string_view keyword : kKeywords) {
    if (rest.size() < keyword.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < keyword.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(rest[i])) == keyword[i];
    }
    if (same) return true;
  }
  return false;
}

bool may_need_escaping(char c) {
  return c == '&' || c == '<' || c == '>' || c == '@';
}

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::string escape_mrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    // The run up to the next character that may need escaping is copied as it is.
    std::size_t special = i;
    while (special < text.size() && !may_need_escaping(text[special])) ++special;
    out.append(text, i, special - i);
    i = special;
    if (i == text.size()) break;
    const char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '@':
        out += c;
        // A word-starting '@' only: the local part of an email address cannot ping anyone.
        if ((i == 0 || !is_word_char(text[i - 1])) && starts_with_keyword(text.substr(i + 1))) {
          out += kWordJoiner;
        }
        break;
    }
  }
  return out;
}

std::string truncate_text(std::string_view text, std::size_t max_code_points) {
  if (text.size() <= max_code_points) return std::string(text);  // bytes bound code points
  // Byte offset where each code point starts, up to one past the allowed count.
  std::size_t count = 0;
  std::size_t keep_end = 0;  // end of the first (max_code_points - 1) code points
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation_byte(text[i])) continue;
    if (count + 1 == max_code_points) keep_end = i;
    if (++count > max_code_points) {
      if (max_code_points == 0) return {};
      std::string out(text.substr(0, keep_end));
      out += kEllipsis;
      return out;
    }
  }
  return std::string(text);
}

}  // namespace bridgebot::slack
