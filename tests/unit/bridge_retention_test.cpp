// Retention over a real SQLite file with a fake clock: what is older than the retention and
// finished goes, in as many batches as it takes.
#include <catch2/catch.hpp>
#include <memory>

#include "bridgebot/bridge/retention.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

using namespace bridgebot;

namespace {

constexpr std::int64_t kDay = 24 * 3600;

// Accepts `count` group mentions (ignored at once: finished, no items) at unix time `at`.
void accept_ignored(store::Store& store, const std::string& prefix, int count,
                    store::UnixSeconds at) {
  for (int i = 0; i < count; ++i) {
    store::AcceptRequest request;
    request.source_id = prefix + std::to_string(i);
    request.team_id = "T1";
    request.status = store::ItemStatus::ignored;
    request.reason = "group_mention";
    request.now = at;
    REQUIRE(store.accept(request).ok());
  }
}

}  // namespace

TEST_CASE("retention deletes what finished more than N days ago, in batches",
          "[bridge][retention]") {
  test::TempDir dir{"retention"};
  auto db = store::open_sqlite_store(dir.file("bridge.db")).value();
  REQUIRE(test::record_installed(*db, "T1"));
  core::FakeClock clock{100 * kDay};
  accept_ignored(*db, "old-", 1'201, clock.unix_seconds() - 31 * kDay);
  accept_ignored(*db, "recent-", 3, clock.unix_seconds() - 29 * kDay);

  bridge::Retention retention(*db, clock, 30, 500);
  auto pruned = retention.run();
  REQUIRE(pruned.ok());
  CHECK(*pruned == 1'201);  // three batches: 500 + 500 + 201
  CHECK_FALSE(db->source_status(store::SourceKind::message, "old-1200")->has_value());
  CHECK(db->source_status(store::SourceKind::message, "recent-2")->has_value());

  // Two days later the recent ones are 31 days old too.
  clock.advance(std::chrono::hours(48));
  CHECK(*retention.run() == 3);
  CHECK(*retention.run() == 0);
}
