// Retention with the real binary: at start (and hourly) the bot deletes finished messages older
// than store.retention_days, so the store of a bot left running stays bounded.
#include <catch2/catch.hpp>
#include <ctime>

#include "bridgebot/store/sqlite_store.h"
#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace store = bridgebot::store;

namespace {

// Records a finished (ignored) message `id`, accepted `days_ago` days ago, in the store file.
void record_old_message(const std::string& store_path, const std::string& id, int days_ago) {
  auto db = store::open_sqlite_store(store_path);
  REQUIRE(db.ok());
  store::AcceptRequest request;
  request.source_id = id;
  request.team_id = "T0001";
  request.status = store::ItemStatus::ignored;
  request.reason = "group_mention";
  request.now = static_cast<store::UnixSeconds>(std::time(nullptr)) - days_ago * 24 * 3600;
  REQUIRE((*db)->accept(request).ok());
}

}  // namespace

TEST_CASE("finished messages older than store.retention_days are deleted, newer ones kept",
          "[cli][retention]") {
  Bridge bridge;
  bridge.start_bot();  // installs the workspace in the store
  REQUIRE(bridge.stop_bot().exited);
  record_old_message(bridge.settings.store_path, "kept-29-days", 29);
  record_old_message(bridge.settings.store_path, "gone-31-days", 31);
  bridge.start_bot();  // retention_days is 30 by default

  REQUIRE(wait_until([&] { return bridge.api->get("/v1/messages/gone-31-days").status == 404; },
                     10s, 50ms));
  const auto kept = bridge.api->get("/v1/messages/kept-29-days");
  INFO(kept.body << "\n" << bridge.bot->output_tail());
  CHECK(kept.status == 200);
  CHECK(json_string(kept.body, "status") == "ignored");
  CHECK_THAT(bridge.bot->output(), Catch::Contains("retention: deleted 1 finished"));
}
