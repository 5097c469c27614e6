#include "bridgebot/bridge/relay_rules.h"

#include <algorithm>
#include <set>

namespace bridgebot::bridge {
namespace {

// Identity is the platform id. Only a mention without one falls back to the email, and never
// for an external sender: a visitor's email is a claim nobody checked, and a visitor is never
// the Slack member who owns that address.
bool same_person(const Mention& mention, const PlatformUser& sender) {
  if (!mention.id.empty()) return mention.id == sender.id;
  if (sender.external) return false;
  return !mention.email.empty() && normalize_email(mention.email) == normalize_email(sender.email);
}

// Two mentions name the same person when their ids (or, lacking ids, emails) match.
std::string identity_of(const Mention& mention) {
  return mention.id.empty() ? "email:" + normalize_email(mention.email) : "id:" + mention.id;
}

}  // namespace

std::string normalize_email(std::string_view email) {
  // The "C" locale's isspace and tolower (bridgebot never sets another), without a call per byte.
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!email.empty() && is_space(email.front())) email.remove_prefix(1);
  while (!email.empty() && is_space(email.back())) email.remove_suffix(1);
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

RelayDecision decide_relay(const PlatformMessage& message) {
  RelayDecision decision;
  if (message.mentions.empty()) {
    decision.ignore_reason = "no_mention";
    return decision;
  }
  // A group anywhere in the list wins: @all next to @bob must not become a private DM to Bob.
  for (const auto& mention : message.mentions) {
    if (mention.type != MentionType::user) {
      decision.ignore_reason = "group_mention";
      return decision;
    }
  }
  std::set<std::string> people;
  for (const auto& mention : message.mentions) people.insert(identity_of(mention));
  if (people.size() > 1) {
    decision.ignore_reason = "multiple_recipients";
    return decision;
  }
  if (same_person(message.mentions.front(), message.sender)) {
    decision.ignore_reason = "self_mention";
    return decision;
  }
  decision.relay = true;
  decision.recipient = message.mentions.front();
  return decision;
}

}  // namespace bridgebot::bridge
