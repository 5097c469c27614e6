#include <algorithm>
#include <cctype>

#include "bridgebot/core/log.h"

namespace bridgebot::core {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Where a Slack credential starts at `pos`, the length of its prefix; otherwise 0. Covers bot,
// user, refresh, rotating and app-level tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe.-, xoxe-,
// xapp-) and incoming-webhook URLs.
std::size_t credential_prefix(std::string_view text, std::size_t pos) {
  std::string_view rest = text.substr(pos);
  if (rest.size() >= 5 && rest.substr(0, 3) == "xox" &&
      std::string_view("abpresdc").find(rest[3]) != std::string_view::npos &&
      (rest[4] == '-' || rest[4] == '.')) {
    return 5;
  }
  if (rest.substr(0, 5) == "xapp-") return 5;
  if (rest.substr(0, 26) == "hooks.slack.com/services/T") return 26;
  return 0;
}

}  // namespace

namespace {

// `text` with tokens and webhook URLs (by pattern) and then each secret of `longest_first`
// redacted.
std::string redact_ordered(std::string_view text,
                           const std::vector<std::string_view>& longest_first) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    if (std::size_t prefix = credential_prefix(text, pos); prefix > 0) {
      std::size_t end = pos + prefix;
      while (end < text.size() && (token_char(text[end]) || text[end] == '/')) ++end;
      out += kRedacted;
      pos = end;
    } else {
      out.push_back(text[pos++]);
    }
  }
  for (std::string_view secret : longest_first) {
    if (secret.size() < 4) continue;  // too short to redact without mangling ordinary text
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kRedacted.size())) {
      out.replace(at, secret.size(), kRedacted);
    }
  }
  return out;
}

bool longer(std::string_view a, std::string_view b) {
  return a.size() > b.size();
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::string_view> ordered(secrets.begin(), secrets.end());
  std::stable_sort(ordered.begin(), ordered.end(), longer);
  return redact_ordered(text, ordered);
}

bool SecretRegistry::add(std::string secret) {
  if (secret.size() < 4 || held_.count(secret) > 0) return false;
  // A Slack token is redacted by its pattern wherever it appears (the scan runs through every
  // token character), so holding it would only cost memory and time per log line.
  if (redact_ordered(secret, {}) == kRedacted) return false;
  const std::string_view view = *held_.insert(std::move(secret)).first;
  longest_first_.insert(
      std::upper_bound(longest_first_.begin(), longest_first_.end(), view, longer), view);
  return true;
}

bool SecretRegistry::holds(std::string_view secret) const {
  return held_.count(std::string(secret)) > 0;
}

std::string SecretRegistry::redact(std::string_view text) const {
  return redact_ordered(text, longest_first_);
}

}  // namespace bridgebot::core
