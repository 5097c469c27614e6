// Disconnect deletes everything synced for a workspace, whichever way it is asked for: the
// admin's DELETE /v1/installations/{team}, or Slack's app_uninstalled / tokens_revoked events over
// Socket Mode. The proof reads the bot's SQLite file with SQLite itself, table by table, so a
// table added later that keeps a team's rows fails here until the purge covers it.
#include <catch2/catch.hpp>
#include <map>

#include "store_file.h"
#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

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
