#include "bridgebot/bridge/relay_rules.h"

#include <algorithm>
#include <cctype>
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
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  auto begin = std::find_if(email.begin(), email.end(), not_space);
  auto end = std::find_if(email.rbegin(), email.rend(), not_space).base();
  std::string out;
  for (auto it = begin; it < end; ++it) {
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(*it))));
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
