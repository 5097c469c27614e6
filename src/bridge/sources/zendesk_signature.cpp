#include <charconv>
#include <chrono>

#include "bridgebot/bridge/sources/zendesk.h"
#include "bridgebot/core/crypto.h"

namespace bridgebot::bridge::sources {
namespace {

// Reads exactly `width` digits at `pos`; advances it.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  std::size_t pos = 0;
  auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  auto day = digits(text, pos, 2);
  if (!day || !(expect(text, pos, 'T') || expect(text, pos, 't'))) return std::nullopt;
  auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) return std::nullopt;
  auto minute = digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':')) return std::nullopt;
  auto second = digits(text, pos, 2);
  if (!second) return std::nullopt;
  if (expect(text, pos, '.')) {
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  int offset_seconds = 0;
  if (!(expect(text, pos, 'Z') || expect(text, pos, 'z'))) {
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
    const int sign = text[pos++] == '-' ? -1 : 1;
    auto offset_hours = digits(text, pos, 2);
    if (!offset_hours || !expect(text, pos, ':')) return std::nullopt;
    auto offset_minutes = digits(text, pos, 2);
    if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) return std::nullopt;
    offset_seconds = sign * (*offset_hours * 3600 + *offset_minutes * 60);
  }
  if (pos != text.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(*year),
                            std::chrono::month(static_cast<unsigned>(*month)),
                            std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const auto midnight = sys_days(date).time_since_epoch();
  return duration_cast<seconds>(midnight).count() + *hour * 3600 + *minute * 60 + *second -
         offset_seconds;
}

std::string zendesk_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body) {
  std::string signed_text(timestamp);
  signed_text.append(body);
  return core::base64_encode(core::hmac_sha256(secret, signed_text));
}

Status verify_zendesk_signature(std::string_view secret, std::string_view timestamp_header,
                                std::string_view signature_header, std::string_view body,
                                std::int64_t now_unix) {
  const auto timestamp = parse_iso8601(timestamp_header);
  if (!timestamp) {
    return make_error("stale_timestamp",
                      "X-Zendesk-Webhook-Signature-Timestamp must be an ISO-8601 time such as "
                      "2021-03-25T05:09:27Z");
  }
  if (*timestamp < now_unix - kZendeskSignatureWindowSeconds ||
      *timestamp > now_unix + kZendeskSignatureWindowSeconds) {
    return make_error("stale_timestamp",
                      "X-Zendesk-Webhook-Signature-Timestamp is more than 5 minutes away from the "
                      "server's clock (replayed request, or a clock that needs syncing)");
  }
  // The header's own text is what Zendesk signed, whatever form of the time it used.
  const std::string expected = zendesk_signature(secret, timestamp_header, body);
  if (!core::constant_time_equal(expected, signature_header)) {
    return make_error("invalid_signature",
                      "X-Zendesk-Webhook-Signature does not match: check the webhook's signing "
                      "secret (Zendesk Admin Center > Webhooks) in sources.zendesk");
  }
  return Status::success();
}

}  // namespace bridgebot::bridge::sources
