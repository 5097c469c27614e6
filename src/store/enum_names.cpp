// Names of the store's enums: the strings the API reports and the SQLite schema stores.
#include <array>
#include <utility>

#include "bridgebot/store/types.h"

namespace bridgebot::store {
namespace {

template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<SourceKind, 3> kSourceKinds{{
    {SourceKind::message, "message"},
    {SourceKind::notification, "notification"},
    {SourceKind::reply, "reply"},
}};

constexpr NameTable<ItemStatus, 6> kItemStatuses{{
    {ItemStatus::queued, "queued"},
    {ItemStatus::in_flight, "in_flight"},
    {ItemStatus::delivered, "delivered"},
    {ItemStatus::failed, "failed"},
    {ItemStatus::undeliverable, "undeliverable"},
    {ItemStatus::ignored, "ignored"},
}};

constexpr NameTable<InstallationState, 2> kInstallationStates{{
    {InstallationState::active, "active"},
    {InstallationState::revoked, "revoked"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const NameTable<Enum, N>& table, std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SourceKind kind) {
  return name_of(kSourceKinds, kind);
}
std::string_view to_string(ItemStatus status) {
  return name_of(kItemStatuses, status);
}
std::string_view to_string(InstallationState state) {
  return name_of(kInstallationStates, state);
}

std::optional<SourceKind> parse_source_kind(std::string_view text) {
  return parse(kSourceKinds, text);
}
std::optional<ItemStatus> parse_item_status(std::string_view text) {
  return parse(kItemStatuses, text);
}
std::optional<InstallationState> parse_installation_state(std::string_view text) {
  return parse(kInstallationStates, text);
}

bool is_final(ItemStatus status) {
  return status != ItemStatus::queued && status != ItemStatus::in_flight;
}

}  // namespace bridgebot::store
