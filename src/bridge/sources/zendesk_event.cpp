// zen:event-type:ticket.* payloads (Zendesk's "Webhook event types" reference):
//   {"type": "zen:event-type:ticket.created", "id": "<event id>", "subject": "zen:ticket:35436",
//    "detail": {"id": "35436", "subject": "...", "status": "OPEN", "priority": "HIGH", ...},
//    "event": {...}}
// detail.id is a string in Zendesk's payloads; a number is taken too.
#include <cctype>

#include "bridgebot/bridge/sources/zendesk.h"
#include "bridgebot/core/json.h"

namespace bridgebot::bridge::sources {
namespace {

constexpr std::string_view kTicketEventPrefix = "zen:event-type:ticket.";
constexpr std::string_view kTicketSubjectPrefix = "zen:ticket:";
constexpr std::size_t kMaxText = 3000;

Error invalid(std::string field, std::string message) {
  Error e = make_error("invalid_field", std::move(message));
  e.field = std::move(field);
  return e;
}

bool all_digits(std::string_view text) {
  if (text.empty() || text.size() > 20) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A scalar member as text: strings as they are, integers in decimal; "" otherwise.
std::string scalar_text(const rapidjson::Value& object, const char* key) {
  if (auto text = core::json_string(object, key)) return *text;
  if (auto number = core::json_int(object, key)) return std::to_string(*number);
  return {};
}

// "OPEN" / "open" -> "Open", "on_hold" -> "On hold", as Zendesk's agent view shows them.
std::string display_word(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(c == '_' ? ' '
                           : static_cast<char>(out.empty() ? std::toupper(u) : std::tolower(u)));
  }
  return out;
}

std::string clipped(std::string text) {
  if (text.size() <= kMaxText) return text;
  std::size_t cut = kMaxText;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  text.resize(cut);
  return text + "…";
}

std::string severity_of(std::string_view priority) {
  const std::string p = display_word(priority);
  if (p == "Urgent") return "critical";
  if (p == "High") return "warning";
  return "info";
}

// What changed, for updates: "Status changed from Open to Pending" when the event names both.
std::string change_text(std::string_view kind, const rapidjson::Value& root) {
  std::string text = display_word(kind);
  const rapidjson::Value* event = core::json_object(root, "event");
  if (event == nullptr) return text;
  const auto previous = core::json_string(*event, "previous");
  const auto current = core::json_string(*event, "current");
  if (previous && current) {
    text += " from " + display_word(*previous) + " to " + display_word(*current);
  } else if (current) {
    text += ": " + *current;
  }
  return text;
}

}  // namespace

Result<ZendeskOutcome> map_zendesk_event(std::string_view body, const core::ZendeskSource& source) {
  auto doc = core::parse_json(body);
  if (!doc.ok()) return doc.error();
  if (!doc->IsObject()) return make_error("invalid_json", "the body must be a JSON object");
  ZendeskOutcome outcome;
  outcome.event_type = core::json_string_or(*doc, "type");
  outcome.event_id = core::json_string_or(*doc, "id");
  if (outcome.event_type.empty())
    return invalid("type", "type (the Zendesk event type) is required");
  if (outcome.event_id.empty() || outcome.event_id.size() > 128) {
    return invalid("id", "id (the Zendesk event id, 1..128 characters) is required");
  }
  if (!core::is_clean_text(outcome.event_id)) {
    return invalid("id", "id (the Zendesk event id) must not contain NUL (\\u0000)");
  }
  if (outcome.event_type.rfind(kTicketEventPrefix, 0) != 0) return outcome;  // not a ticket event

  const rapidjson::Value* detail = core::json_object(*doc, "detail");
  if (detail == nullptr) return invalid("detail", "detail (the ticket) must be an object");
  std::string ticket_id = scalar_text(*detail, "id");
  const std::string subject = core::json_string_or(*doc, "subject");
  if (ticket_id.empty() && subject.rfind(kTicketSubjectPrefix, 0) == 0) {
    ticket_id = subject.substr(kTicketSubjectPrefix.size());
  }
  if (!all_digits(ticket_id)) return invalid("detail.id", "detail.id must be the ticket number");

  const std::string kind = outcome.event_type.substr(kTicketEventPrefix.size());
  const bool created = kind == "created";
  const std::string ticket_subject = core::json_string_or(*detail, "subject");
  const std::string status = core::json_string_or(*detail, "status");
  const std::string priority = core::json_string_or(*detail, "priority");

  PlatformNotification n;
  n.id = outcome.event_id;
  n.team_id = source.team_id;
  n.route = source.route;
  n.title = "Ticket #" + ticket_id + (created ? " created" : " updated");
  if (!ticket_subject.empty()) n.title = clipped(n.title + ": " + ticket_subject);
  n.text = created ? clipped(core::json_string_or(*detail, "description"))
                   : clipped(change_text(kind, *doc));
  n.severity = severity_of(priority);
  n.url = "https://" + source.domain + ".zendesk.com/agent/tickets/" + ticket_id;
  if (!status.empty()) n.fields.push_back({"Status", display_word(status)});
  if (!priority.empty()) n.fields.push_back({"Priority", display_word(priority)});
  n.thread_key = "zendesk:" + source.domain + ":" + ticket_id;
  outcome.notification = std::move(n);
  return outcome;
}

}  // namespace bridgebot::bridge::sources
