// Disconnect deletes everything synced for a workspace, whichever way it is asked for: the
// admin's DELETE /v1/installations/{team}, or Slack's app_uninstalled / tokens_revoked events over
// Socket Mode. The proof reads the bot's SQLite file with SQLite itself, table by table, so a
// table added later that keeps a team's rows fails here until the purge covers it.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

// A read-only connection to the bot's store file (WAL: it sees what the bot committed).
class StoreFile {
 public:
  explicit StoreFile(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      FAIL("cannot open " << path << ": " << sqlite3_errmsg(db_));
    }
  }
  ~StoreFile() { sqlite3_close(db_); }
  StoreFile(const StoreFile&) = delete;
  StoreFile& operator=(const StoreFile&) = delete;

  // Every value of the first column `sql` returns, as text (NULL as "NULL"); `text` binds ?1.
  std::vector<std::string> column(const std::string& sql, const std::string& text = {}) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      FAIL(sql << ": " << sqlite3_errmsg(db_));
    }
    if (!text.empty()) sqlite3_bind_text(statement, 1, text.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> values;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* value = sqlite3_column_text(statement, 0);
      values.push_back(value ? reinterpret_cast<const char*>(value) : "NULL");
    }
    sqlite3_finalize(statement);
    return values;
  }

  // For each table with a team_id column, how many of its rows belong to `team_id`; and the
  // deliveries recorded for that team's outbox items (deliveries hang off outbox item ids;
  // orphans whose item is gone count too).
  // The installations table is left out: a disconnected workspace keeps a revoked record.
  std::map<std::string, long> team_rows(const std::string& team_id) {
    std::map<std::string, long> rows;
    for (const auto& table : column("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      const auto has_team = column(
          "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = "
          "'team_id'",
          table);
      if (table == "installations" || has_team.at(0) == "0") continue;
      rows[table] =
          std::stol(column("SELECT COUNT(*) FROM " + table + " WHERE team_id = ?1", team_id).at(0));
    }
    rows["deliveries"] = std::stol(
        column("SELECT COUNT(*) FROM deliveries WHERE item_id IN (SELECT item_id FROM outbox "
               "WHERE team_id = ?1) OR item_id NOT IN (SELECT item_id FROM outbox)",
               team_id)
            .at(0));
    return rows;
  }

  // "state bot_token refresh_token webhook_url" of the team's installation, the secrets shown
  // as NULL or "sealed".
  std::string installation(const std::string& team_id) {
    const auto values = column(
        "SELECT state || ' ' || IIF(bot_token IS NULL, 'NULL', 'sealed') || ' ' || "
        "IIF(refresh_token IS NULL, 'NULL', 'sealed') || ' ' || "
        "IIF(webhook_url IS NULL, 'NULL', 'sealed') FROM installations WHERE team_id = ?1",
        team_id);
    return values.empty() ? "none" : values[0];
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string describe(const std::map<std::string, long>& rows) {
  std::string out;
  for (const auto& [table, count] : rows) out += table + "=" + std::to_string(count) + " ";
  return out;
}

// Fills every table the workspace touches: two links (and the directory entries behind them),
// a delivered DM (a delivery row), a threaded notification (a thread anchor) and a message Slack
// keeps refusing with 503 (an outbox item still queued). Requires each to be in the file.
void fill_workspace(Bridge& bridge) {
  bridge.link(alice());
  bridge.link(bob());
  REQUIRE(bridge.api
              ->post("/v1/messages", message_body("purge-1", alice(), {user_mention(bob())},
                                                  "delivered before the purge"))
              .status == 202);
  REQUIRE(json_string(bridge.wait_final("purge-1"), "status") == "delivered");
  REQUIRE(bridge.api
              ->post("/v1/notifications", notification_body("purge-n1", "helpdesk", "Ticket #1",
                                                            "opened", "info", "ticket-1"))
              .status == 202);
  REQUIRE(json_string(bridge.wait_final("purge-n1", true), "status") == "delivered");

  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::status(503), 10'000);
  REQUIRE(bridge.api
              ->post("/v1/messages", message_body("purge-2", bob(), {user_mention(alice())},
                                                  "still queued at the purge"))
              .status == 202);

  StoreFile file(bridge.settings.store_path);
  const auto rows = file.team_rows("T0001");
  INFO(describe(rows));
  for (const char* table :
       {"links", "directory", "sources", "outbox", "deliveries", "thread_anchors"}) {
    INFO(table);
    REQUIRE(rows.count(table) == 1);
    REQUIRE(rows.at(table) > 0);
  }
  REQUIRE(file.installation("T0001") == "active sealed NULL NULL");
}

// Waits until the installation record is revoked, then requires that no table holds a row of
// the workspace and no secret of it is left.
void require_purged(Bridge& bridge) {
  StoreFile file(bridge.settings.store_path);
  const bool revoked =
      wait_until([&] { return file.installation("T0001").rfind("revoked", 0) == 0; }, 10s, 20ms);
  INFO(bridge.bot->output_tail());
  REQUIRE(revoked);
  const auto rows = file.team_rows("T0001");
  INFO(describe(rows));
  for (const auto& [table, count] : rows) {
    INFO(table);
    CHECK(count == 0);
  }
  CHECK(file.installation("T0001") == "revoked NULL NULL NULL");

  // And the bridge acts on it: the workspace is unknown, its messages are gone.
  const auto later = bridge.api->post(
      "/v1/messages", message_body("purge-3", alice(), {user_mention(bob())}, "after"));
  CHECK(later.status == 404);
  CHECK(json_string(later.body, "error") == "unknown_team");
  CHECK(bridge.api->get("/v1/messages/purge-2").status == 404);
  CHECK(bridge.api->get("/v1/users/p-bob/link?team_id=T0001").status == 404);
}

}  // namespace

TEST_CASE("Disconnect deletes every row the workspace had, table by table, and revokes at Slack",
          "[cli][purge]") {
  Bridge bridge;
  bridge.start_bot();
  fill_workspace(bridge);

  const auto gone = bridge.admin("DELETE", "/v1/installations/T0001");
  INFO(gone.body << "\n" << bridge.bot->output_tail());
  CHECK(gone.status == 204);
  CHECK(gone.headers.get("X-Bridge-Token-Revoked") == "true");
  require_purged(bridge);
  CHECK(auth_test_error(bridge.emulator, bridge.demo.bot_token) == "token_revoked");
}

TEST_CASE("app_uninstalled over Socket Mode runs the same purge", "[cli][purge][socket_mode]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();
  fill_workspace(bridge);

  bridge.send_event_acked(R"({"type":"app_uninstalled","event_ts":"1700000000.000100"})");
  require_purged(bridge);
  // Slack already killed the token: the bot does not try to revoke it.
  CHECK(bridge.emulator.calls_of("auth.revoke").empty());
}

TEST_CASE("tokens_revoked naming the bot user runs the same purge", "[cli][purge][socket_mode]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();
  fill_workspace(bridge);

  bridge.send_event_acked(R"({"type":"tokens_revoked","tokens":{"bot":[")" +
                          bridge.demo.bot_user_id + R"("]},"event_ts":"1700000000.000200"})");
  require_purged(bridge);
}

TEST_CASE("a users.list page that lands after Disconnect leaves nothing behind", "[cli][purge]") {
  Bridge bridge;
  // The start-up sweep's first page takes 1.5 s: Disconnect happens while it is on its way.
  bridge.emulator.inject_fault("users.list", emu::Fault::slow(1500ms));
  bridge.start_bot();
  const auto gone = bridge.admin("DELETE", "/v1/installations/T0001");
  INFO(gone.body << "\n" << bridge.bot->output_tail());
  REQUIRE(gone.status == 204);

  // The page was listed before the token was revoked; the bot stores it once it arrives.
  REQUIRE(wait_until(
      [&] { return bridge.bot->output().find("directory: swept team T0001") != std::string::npos; },
      10s, 20ms));
  StoreFile file(bridge.settings.store_path);
  const auto rows = file.team_rows("T0001");
  INFO(describe(rows) << "\n" << bridge.bot->output_tail());
  CHECK(rows.at("directory") == 0);
  CHECK(file.installation("T0001") == "revoked NULL NULL NULL");
}
