// Making user text safe and short enough for Slack messages. Pure functions over UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bridgebot::slack {

// The invisible character escape_mrkdwn puts after the '@' of a bare group keyword: U+2060 WORD
// JOINER. Chosen over U+200D ZERO WIDTH JOINER, which combines neighbouring emoji, and over
// U+200B ZERO WIDTH SPACE, which allows a line break inside the word.
inline constexpr std::string_view kWordJoiner = "\u2060";

// Escapes user text for a mrkdwn field (message `text`, mrkdwn section text). Replaces '&', '<'
// and '>' by "&amp;", "&lt;", "&gt;" (in that order, so text that looks escaped stays literal),
// which makes every Slack control sequence (<!here>, <@U…>, <#C…>, <!subteam^…>, <url|label>)
// impossible to forge. It also defuses bare "@channel", "@here" and "@everyone" (any case, when
// the '@' starts a word: "bob@here.com" is left alone) by putting kWordJoiner after the '@'.
// Formatting characters (* _ ~ `) are left as they are: they only style text.
std::string escape_mrkdwn(std::string_view text);

// The ellipsis truncate_text ends a cut text with: U+2026.
inline constexpr std::string_view kEllipsis = "\u2026";

// At most `max_code_points` code points of `text`: unchanged when it fits, otherwise cut on a
// code point boundary and ended with kEllipsis (which counts toward the maximum). May split a
// grapheme made of several code points (an emoji with modifiers), never a code point.
std::string truncate_text(std::string_view text, std::size_t max_code_points);

}  // namespace bridgebot::slack
