#include "bridgebot/bridge/delivery_partitions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "bridgebot/bridge/delivery_lease.h"
#include "bridgebot/bridge/partition_plan.h"
#include "bridgebot/core/thread_name.h"

namespace bridgebot::bridge {
namespace {

constexpr int kPartitions = store::kDeliveryPartitions;

std::string partition_lease(int partition) {
  return kPartitionLeasePrefix + std::to_string(partition);
}

// n of "delivery:<n>"; nullopt for other names.
std::optional<int> partition_of_lease(std::string_view name) {
  const std::string_view prefix = kPartitionLeasePrefix;
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  name.remove_prefix(prefix.size());
  int partition = -1;
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), partition);
  if (error != std::errc() || end != name.data() + name.size()) return std::nullopt;
  if (partition < 0 || partition >= kPartitions) return std::nullopt;
  return partition;
}

store::PartitionMask bit(int partition) {
  return store::PartitionMask{1} << partition;
}

std::string describe(store::PartitionMask mask) {
  std::string out;
  for (int p = 0; p < kPartitions; ++p) {
    if (mask & bit(p)) out += (out.empty() ? "" : ",") + std::to_string(p);
  }
  return out.empty() ? "none" : out;
}

DeliveryPartitionsOptions with_defaults(DeliveryPartitionsOptions options) {
  if (!options.has_exited) {
    options.has_exited = [self = this_process()](std::string_view owner) {
      return owner_has_exited(owner, self, process_running);
    };
  }
  return options;
}

}  // namespace

Result<std::vector<std::string>> delivering_processes(store::Store& store, store::UnixSeconds now) {
  auto rows = store.list_leases(kMemberLeasePrefix);
  if (!rows.ok()) return rows.error();
  const ProcessIdentity self = this_process();
  std::vector<std::string> owners;
  for (const store::Lease& row : *rows) {
    if (row.expires_at > now && !owner_has_exited(row.owner, self, process_running)) {
      owners.push_back(row.owner);
    }
  }
  return owners;
}

DeliveryPartitions::DeliveryPartitions(store::Store& store, const core::Clock& clock,
                                       DeliveryPartitionsOptions options)
    : store_(store),
      clock_(clock),
      options_(with_defaults(std::move(options))),
      // Renewals and expiry are compared in whole seconds on different clocks: stop this much
      // before another process may take a partition over.
      margin_(std::max<std::chrono::milliseconds>(std::chrono::seconds(2),
                                                  std::chrono::milliseconds(options_.ttl) / 4)),
      member_lease_(kMemberLeasePrefix + options_.owner) {}

DeliveryPartitions::~DeliveryPartitions() {
  stop();
}

void DeliveryPartitions::start() {
  refresh();
  std::lock_guard lock(mutex_);
  if (timer_.joinable() || stopping_) return;
  timer_ = std::thread([this] {
    core::name_this_thread("partitions");
    while (true) {
      {
        std::unique_lock wait(mutex_);
        wake_.wait_for(wait, options_.tick, [this] { return stopping_; });
        if (stopping_) return;
      }
      refresh();
    }
  });
}

void DeliveryPartitions::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
  std::lock_guard round(refresh_mutex_);
  for (int p = 0; p < kPartitions; ++p) release(p);
  (void)store_.release_lease(member_lease_, options_.owner);
}

void DeliveryPartitions::refresh_when_due() {
  {
    std::lock_guard lock(mutex_);
    if (timer_.joinable() || stopping_) return;
  }
  {
    std::lock_guard round(refresh_mutex_);
    if (last_round_ && clock_.now() - *last_round_ < options_.tick) return;
  }
  refresh();
}

bool DeliveryPartitions::held(int partition) const {
  std::lock_guard lock(mutex_);
  return partitions_[static_cast<std::size_t>(partition)].held;
}

bool DeliveryPartitions::fresh(const Held& partition, core::Clock::TimePoint now) const {
  return partition.held && now < partition.fresh_until;
}

store::PartitionMask DeliveryPartitions::claimable() const {
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  store::PartitionMask mask = 0;
  for (int p = 0; p < kPartitions; ++p) {
    const Held& partition = partitions_[static_cast<std::size_t>(p)];
    if (fresh(partition, now) && !partition.giving_up_since) mask |= bit(p);
  }
  return mask;
}

bool DeliveryPartitions::may_deliver(int partition) const {
  if (partition < 0 || partition >= kPartitions) return false;
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  const Held& held = partitions_[static_cast<std::size_t>(partition)];
  // Nothing new goes out of a partition being given up: an item sent now could still be on the
  // wire when the partition is released, and the next owner would send it again.
  return fresh(held, now) && !held.giving_up_since;
}

void DeliveryPartitions::claimed(int partition, int count) {
  if (partition < 0 || partition >= kPartitions) return;
  std::lock_guard lock(mutex_);
  partitions_[static_cast<std::size_t>(partition)].in_hand += count;
}

void DeliveryPartitions::finished(int partition, int count) {
  if (partition < 0 || partition >= kPartitions) return;
  std::lock_guard lock(mutex_);
  partitions_[static_cast<std::size_t>(partition)].in_hand -= count;
}

void DeliveryPartitions::refresh() {
  std::lock_guard round(refresh_mutex_);
  const auto round_start = clock_.now();
  const store::UnixSeconds now = clock_.unix_seconds();
  last_round_ = round_start;
  if (!renew(round_start)) return;

  // The store-wide lease, the members and the partitions, in one read after announcing this
  // process (renew), so that rotate-key and this process cannot both miss each other.
  auto rows = store_.list_leases(kDeliveryLeaseName);
  if (!rows.ok()) {
    spdlog::warn("dispatcher: cannot read the delivery leases: {}", rows.error().to_string());
    return;
  }
  PartitionView view;
  view.self = options_.owner;
  view.holders.assign(kPartitions, "");
  std::vector<std::string> exited_holders(kPartitions);
  for (const store::Lease& row : *rows) {
    const bool live = row.expires_at > now;
    const bool exited = row.owner != options_.owner && options_.has_exited(row.owner);
    if (row.name == kDeliveryLeaseName) {
      view.blocked = view.blocked || (live && !exited && row.owner != options_.owner);
    } else if (row.name.rfind(kMemberLeasePrefix, 0) == 0) {
      if (live && !exited) view.members.push_back(row.owner);
      // Each process start announces a new owner id: the rows of those gone are deleted (a
      // stalled one that comes back announces itself again).
      if ((!live || exited) && row.owner != options_.owner) {
        (void)store_.release_lease(row.name, row.owner);
      }
    } else if (auto p = partition_of_lease(row.name)) {
      // A row of this process that renew() did not keep is taken again like a free one.
      const bool kept = row.owner != options_.owner || held(*p);
      if (live && !exited && kept) view.holders[static_cast<std::size_t>(*p)] = row.owner;
      if (live && exited) exited_holders[static_cast<std::size_t>(*p)] = row.owner;
    }
  }
  if (view.blocked != blocked_logged_) {
    blocked_logged_ = view.blocked;
    if (view.blocked) {
      spdlog::warn(
          "dispatcher: another process holds the store-wide \"{}\" lease (rotate-key?): "
          "delivering nothing until it is released",
          kDeliveryLeaseName);
    }
  }

  const PartitionPlan plan = plan_partitions(view);
  {
    std::lock_guard lock(mutex_);
    for (int p = 0; p < kPartitions; ++p) {
      Held& partition = partitions_[static_cast<std::size_t>(p)];
      const bool give_up =
          std::find(plan.give_up.begin(), plan.give_up.end(), p) != plan.give_up.end();
      if (give_up && !partition.giving_up_since) partition.giving_up_since = round_start;
      if (!give_up) partition.giving_up_since.reset();
    }
  }
  int taken = 0;
  for (int p : plan.take) {
    if (taken >= plan.wanted) break;
    if (take(p, exited_holders[static_cast<std::size_t>(p)], round_start, now)) ++taken;
  }
  // A partition given up goes once the items claimed from it are back in the store (the calls
  // already on the wire answered, the others handed back unsent), or after a ttl at the latest
  // (an item still waiting out a pacing delay then goes back when it wakes).
  for (int p = 0; p < kPartitions; ++p) {
    bool drained = false;
    {
      std::lock_guard lock(mutex_);
      const Held& partition = partitions_[static_cast<std::size_t>(p)];
      drained =
          partition.held && partition.giving_up_since &&
          (partition.in_hand <= 0 || round_start - *partition.giving_up_since >= options_.ttl);
    }
    if (drained) release(p);
  }
  if (taken > 0 || !plan.give_up.empty()) {
    spdlog::info("dispatcher: delivering partitions {} ({} live process(es) share {})",
                 describe(claimable()), std::max<std::size_t>(view.members.size(), 1), kPartitions);
  }
  if (taken > 0 && options_.on_gained) options_.on_gained();
}

bool DeliveryPartitions::renew(core::Clock::TimePoint round_start) {
  const store::UnixSeconds now = clock_.unix_seconds();
  const std::int64_t ttl = options_.ttl.count();
  auto renewed = store_.renew_leases(kDeliveryLeaseName, options_.owner, now, ttl);
  if (!renewed.ok()) {
    // Nothing changes here; the partitions stop being fresh at their deadline.
    spdlog::warn("dispatcher: cannot renew the delivery leases: {}", renewed.error().to_string());
    return false;
  }
  const std::set<std::string> names(renewed->begin(), renewed->end());
  if (!names.count(member_lease_)) {
    auto announced = store_.acquire_lease(member_lease_, options_.owner, now, ttl);
    if (!announced.ok() || !*announced) {
      spdlog::warn("dispatcher: cannot announce this process on the store: {}",
                   announced.ok() ? "the member lease is taken" : announced.error().to_string());
      return false;
    }
  }
  std::lock_guard lock(mutex_);
  for (int p = 0; p < kPartitions; ++p) {
    Held& partition = partitions_[static_cast<std::size_t>(p)];
    const bool kept = names.count(partition_lease(p)) > 0;
    if (partition.held && !kept) {
      spdlog::warn(
          "dispatcher: lost partition {} (its lease expired before it was renewed); "
          "what is in hand there is not sent from here",
          p);
      partition.giving_up_since.reset();
    }
    partition.held = kept;
    if (kept) partition.fresh_until = round_start + options_.ttl - margin_;
  }
  return true;
}

bool DeliveryPartitions::take(int partition, const std::string& exited_holder,
                              core::Clock::TimePoint round_start, store::UnixSeconds now) {
  const std::string name = partition_lease(partition);
  if (!exited_holder.empty()) {
    // Compare-and-delete: only that owner's row goes, so of several restarted processes one
    // takes the partition (acquire_lease below is atomic).
    spdlog::info("dispatcher: partition {} was held by {}, which no longer runs: taking it now",
                 partition, exited_holder);
    (void)store_.release_lease(name, exited_holder);
  }
  auto acquired = store_.acquire_lease(name, options_.owner, now, options_.ttl.count());
  if (!acquired.ok()) {
    spdlog::warn("dispatcher: cannot take partition {}: {}", partition,
                 acquired.error().to_string());
    return false;
  }
  if (!*acquired) return false;  // another process was quicker
  auto recovered = store_.recover_in_flight(bit(partition), options_.owner);
  if (!recovered.ok()) {
    spdlog::warn("dispatcher: cannot take back partition {}'s items left in flight: {}", partition,
                 recovered.error().to_string());
    (void)store_.release_lease(name, options_.owner);
    return false;
  }
  if (*recovered > 0) {
    spdlog::info(
        "dispatcher: partition {}: recovered {} item(s) left in flight by its previous "
        "holder; doing them again",
        partition, *recovered);
  }
  std::lock_guard lock(mutex_);
  Held& held = partitions_[static_cast<std::size_t>(partition)];
  held.held = true;
  held.fresh_until = round_start + options_.ttl - margin_;
  held.giving_up_since.reset();
  return true;
}

void DeliveryPartitions::release(int partition) {
  {
    std::lock_guard lock(mutex_);
    Held& held = partitions_[static_cast<std::size_t>(partition)];
    if (!held.held) return;
    held.held = false;
    held.giving_up_since.reset();
  }
  if (auto released = store_.release_lease(partition_lease(partition), options_.owner);
      !released.ok()) {
    spdlog::warn("dispatcher: cannot hand partition {} over: {}", partition,
                 released.error().to_string());
  }
}

}  // namespace bridgebot::bridge
