#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "support/temp_dir.h"
#include "support/test_store.h"

namespace fs = std::filesystem;
using namespace bridgebot::store;

namespace {

struct TempDir : bridgebot::test::TempDir {
  TempDir() : bridgebot::test::TempDir("store_records") {}
};

struct StoreFixture {
  TempDir dir;
  std::unique_ptr<Store> store = open();

  std::unique_ptr<Store> open() {
    auto opened = bridgebot::test::open_test_store(dir);
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
};

Blob bytes(std::string_view text) {
  return Blob(text.begin(), text.end());
}

Installation installation(std::string team_id) {
  Installation in;
  in.team_id = std::move(team_id);
  in.enterprise_id = "E1";
  in.domain = "acme";
  in.team_name = "Acme";
  in.bot_user_id = "UBOT";
  in.bot_id = "B1";
  in.app_id = "A1";
  in.scopes = {"chat:write", "users:read", "users:read.email"};
  in.bot_token = bytes("ciphertext-bot");
  in.refresh_token = bytes("ciphertext-refresh");
  in.token_expires_at = 5000;
  in.incoming_webhook = IncomingWebhook{"#alerts", "C9", "https://acme.slack.com/services/B1",
                                        bytes("ciphertext-webhook")};
  in.notification_channel = "C1";
  in.sender_identity = false;
  in.installed_at = 10;
  in.updated_at = 20;
  return in;
}

Link link(std::string team_id, std::string platform_user, std::string slack_user) {
  return {std::move(team_id),
          std::move(platform_user),
          std::move(slack_user),
          "bob@example.com",
          30,
          UserToken{bytes("ciphertext-user"), {}, std::nullopt}};
}

}  // namespace

TEST_CASE("An installation round-trips every field, tokens included", "[store][records]") {
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  auto loaded = f.store->get_installation("T1");
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  const Installation& in = **loaded;
  CHECK(in.domain == "acme");
  CHECK(in.scopes == std::vector<std::string>{"chat:write", "users:read", "users:read.email"});
  CHECK(in.bot_token == bytes("ciphertext-bot"));
  CHECK(in.refresh_token == bytes("ciphertext-refresh"));
  CHECK(in.token_expires_at == 5000);
  REQUIRE(in.incoming_webhook.has_value());
  CHECK(in.incoming_webhook->channel_id == "C9");
  CHECK(in.incoming_webhook->url == bytes("ciphertext-webhook"));
  CHECK(in.notification_channel == "C1");
  CHECK_FALSE(in.sender_identity);
  CHECK(in.state == InstallationState::active);
  CHECK(in.installed_at == 10);
}

TEST_CASE("Installations are replaced, listed in team order and deleted", "[store][records]") {
  StoreFixture f;
  auto plain = installation("T2");
  plain.incoming_webhook.reset();
  plain.token_expires_at.reset();
  plain.refresh_token.clear();
  REQUIRE(f.store->put_installation(plain).ok());
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  plain.domain = "acme-renamed";
  REQUIRE(f.store->put_installation(plain).ok());

  auto all = f.store->list_installations();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].team_id == "T1");
  CHECK((*all)[1].domain == "acme-renamed");
  CHECK_FALSE((*all)[1].incoming_webhook.has_value());
  CHECK_FALSE((*all)[1].token_expires_at.has_value());

  CHECK(*f.store->delete_installation("T2"));
  CHECK_FALSE(*f.store->delete_installation("T2"));
  CHECK_FALSE(f.store->get_installation("T2")->has_value());
}

TEST_CASE("Every write of an installation gives it a new generation, which its stamp reads",
          "[store][records][installations]") {
  StoreFixture f;
  CHECK_FALSE(f.store->installation_stamp("T1")->has_value());
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_installation(installation("T2")).ok());
  auto stamp = [&](const char* team) {
    auto read = f.store->installation_stamp(team);
    REQUIRE(read.ok());
    REQUIRE(read->has_value());
    return **read;
  };
  const InstallationStamp installed = stamp("T1");
  CHECK(installed.state == InstallationState::active);
  CHECK(installed.generation == (*f.store->get_installation("T1"))->generation);
  CHECK(installed.generation != stamp("T2").generation);

  // The same row written again (an edit, a refreshed or re-sealed token) is a new generation.
  const InstallationStamp t2 = stamp("T2");
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  const InstallationStamp edited = stamp("T1");
  CHECK(edited.generation != installed.generation);
  CHECK(stamp("T2").generation == t2.generation);

  REQUIRE(f.store->purge_team("T1", 99).ok());
  const InstallationStamp purged = stamp("T1");
  CHECK(purged.state == InstallationState::revoked);
  CHECK(purged.generation != edited.generation);

  // Deleted and written again: still never a generation a reader held before.
  REQUIRE(*f.store->delete_installation("T1"));
  CHECK_FALSE(f.store->installation_stamp("T1")->has_value());
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  const InstallationStamp again = stamp("T1");
  CHECK(again.generation != installed.generation);
  CHECK(again.generation != edited.generation);
}

TEST_CASE("Every write of a team's links gives its installation a new generation",
          "[store][records][installations]") {
  // Deliveries keep links in memory while the installation's stamp says the generation they
  // were read under: a link write that left it alone would go unseen by every replica.
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_installation(installation("T2")).ok());
  auto generation = [&](const char* team) {
    auto read = f.store->installation_stamp(team);
    REQUIRE(read.ok());
    REQUIRE(read->has_value());
    return (*read)->generation;
  };
  const std::int64_t installed = generation("T1");
  const std::int64_t other = generation("T2");

  REQUIRE(f.store->put_link(link("T1", "p-bob", "U2")).ok());
  const std::int64_t linked = generation("T1");
  CHECK(linked != installed);
  REQUIRE(f.store->put_link(link("T1", "p-bob", "U3")).ok());  // relinked elsewhere
  const std::int64_t relinked = generation("T1");
  CHECK(relinked != linked);
  REQUIRE(*f.store->delete_link("T1", "p-bob"));
  const std::int64_t unlinked = generation("T1");
  CHECK(unlinked != relinked);
  CHECK(unlinked != installed);
  CHECK(generation("T2") == other);  // another team's stamp is left alone

  // A link for a team not installed changes nothing and is refused, as before.
  CHECK_FALSE(f.store->put_link(link("T9", "p-bob", "U2")).ok());
  CHECK_FALSE(f.store->installation_stamp("T9")->has_value());
}

TEST_CASE("Links are found by platform user and by Slack user", "[store][records]") {
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_installation(installation("T2")).ok());
  REQUIRE(f.store->put_link(link("T1", "p-bob", "U2")).ok());
  auto email_only = link("T2", "p-bob", "U7");
  email_only.user_token.reset();
  REQUIRE(f.store->put_link(email_only).ok());

  auto by_platform = f.store->get_link("T1", "p-bob");
  REQUIRE(by_platform.ok());
  REQUIRE(by_platform->has_value());
  REQUIRE((*by_platform)->user_token.has_value());
  CHECK((*by_platform)->user_token->token == bytes("ciphertext-user"));

  auto by_slack = f.store->find_link_by_slack_user("T2", "U7");
  REQUIRE(by_slack.ok());
  REQUIRE(by_slack->has_value());
  CHECK((*by_slack)->platform_user_id == "p-bob");
  CHECK_FALSE((*by_slack)->user_token.has_value());

  auto everywhere = f.store->links_of_platform_user("p-bob");
  REQUIRE(everywhere.ok());
  REQUIRE(everywhere->size() == 2);
  CHECK((*everywhere)[1].team_id == "T2");

  CHECK(*f.store->delete_link("T1", "p-bob"));
  CHECK_FALSE(f.store->get_link("T1", "p-bob")->has_value());
  CHECK_FALSE(*f.store->delete_link("T1", "p-bob"));
}

TEST_CASE("Directory pages upsert, negative entries stay negative, users can be forgotten",
          "[store][records]") {
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  std::vector<DirectoryEntry> page;
  for (int i = 0; i < 500; ++i) {
    auto n = std::to_string(i);
    page.push_back(
        {"T1", "user" + n + "@example.com", DirectoryUser{"U" + n, "User " + n, ""}, 40});
  }
  page.push_back({"T1", "ghost@example.com", std::nullopt, 40});
  REQUIRE(f.store->upsert_directory(page).ok());

  auto hit = f.store->lookup_directory("T1", "user7@example.com");
  REQUIRE(hit.ok());
  REQUIRE(hit->has_value());
  REQUIRE((*hit)->user.has_value());
  CHECK((*hit)->user->slack_user_id == "U7");
  CHECK((*hit)->user->display_name == "User 7");

  auto negative = f.store->lookup_directory("T1", "ghost@example.com");
  REQUIRE(negative->has_value());
  CHECK_FALSE((*negative)->user.has_value());
  CHECK_FALSE(f.store->lookup_directory("T2", "user7@example.com")->has_value());

  // A later page replaces the entry; forgetting the user drops it.
  REQUIRE(
      f.store->upsert_directory({{"T1", "user7@example.com", DirectoryUser{"U7", "Seven", ""}, 50}})
          .ok());
  CHECK((*f.store->lookup_directory("T1", "user7@example.com"))->fetched_at == 50);
  CHECK(*f.store->forget_directory_user("T1", "U7") == 1);
  CHECK_FALSE(f.store->lookup_directory("T1", "user7@example.com")->has_value());
}

TEST_CASE("Thread anchors are stored per team, destination and key", "[store][records]") {
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_thread_anchor({"T1", "C1", "ticket-42", "C1", "111.000"}).ok());
  auto anchor = f.store->get_thread_anchor("T1", "C1", "ticket-42");
  REQUIRE(anchor.ok());
  REQUIRE(anchor->has_value());
  CHECK((*anchor)->ts == "111.000");
  CHECK_FALSE(f.store->get_thread_anchor("T1", "C2", "ticket-42")->has_value());
}

TEST_CASE("purge_team removes one team's rows table by table and keeps the others",
          "[store][records]") {
  StoreFixture f;
  for (std::string team : {"T1", "T2"}) {
    REQUIRE(f.store->put_installation(installation(team)).ok());
    REQUIRE(f.store->put_link(link(team, "p-bob", "U2")).ok());
    REQUIRE(f.store
                ->upsert_directory({{team, "bob@example.com", DirectoryUser{"U2", "", ""}, 1},
                                    {team, "nobody@example.com", std::nullopt, 1}})
                .ok());
    REQUIRE(f.store->put_thread_anchor({team, "C1", "ticket-1", "C1", "1.0"}).ok());
    AcceptRequest queued;
    queued.source_id = team + "-msg";
    queued.team_id = team;
    queued.items = {{"recipient", "U2", "{}", team + ":U2", 0},
                    {"sender_copy", "U1", "{}", team + ":U1", 0}};
    REQUIRE(f.store->accept(queued).ok());
    AcceptRequest ignored;
    ignored.source_id = team + "-ignored";
    ignored.team_id = team;
    ignored.status = ItemStatus::ignored;
    REQUIRE(f.store->accept(ignored).ok());
  }
  auto claimed = f.store->claim_due(0, 10, "worker", kAllPartitions);
  REQUIRE(claimed.ok());
  for (const OutboxItem& item : *claimed) {
    REQUIRE(f.store
                ->complete(item.item_id, "worker", ItemStatus::delivered, "",
                           {{item.role, "U2", "D2", "1.1"}})
                .ok());
  }

  auto counts = f.store->purge_team("T1", 99);
  REQUIRE(counts.ok());
  CHECK(counts->links == 1);
  CHECK(counts->directory_entries == 2);
  CHECK(counts->outbox_items == 2);
  CHECK(counts->deliveries == 2);
  CHECK(counts->sources == 2);
  CHECK(counts->thread_anchors == 1);
  CHECK(counts->installation_revoked);

  auto revoked = f.store->get_installation("T1");
  REQUIRE(revoked->has_value());
  CHECK((*revoked)->state == InstallationState::revoked);
  CHECK((*revoked)->bot_token.empty());
  CHECK((*revoked)->refresh_token.empty());
  CHECK((*revoked)->incoming_webhook->url.empty());
  CHECK((*revoked)->updated_at == 99);
  CHECK_FALSE(f.store->get_link("T1", "p-bob")->has_value());
  CHECK_FALSE(f.store->lookup_directory("T1", "bob@example.com")->has_value());
  CHECK_FALSE(f.store->get_thread_anchor("T1", "C1", "ticket-1")->has_value());
  CHECK_FALSE(f.store->source_status(SourceKind::message, "T1-msg")->has_value());

  // T2 is untouched.
  CHECK((*f.store->get_installation("T2"))->bot_token == bytes("ciphertext-bot"));
  CHECK(f.store->get_link("T2", "p-bob")->has_value());
  CHECK(f.store->lookup_directory("T2", "nobody@example.com")->has_value());
  CHECK(f.store->get_thread_anchor("T2", "C1", "ticket-1")->has_value());
  auto t2 = f.store->source_status(SourceKind::message, "T2-msg");
  REQUIRE(t2->has_value());
  CHECK((*t2)->deliveries.size() == 2);

  // Purging again finds nothing more to delete.
  auto again = f.store->purge_team("T1", 100);
  REQUIRE(again.ok());
  CHECK(again->links + again->outbox_items + again->sources + again->directory_entries == 0);
}

TEST_CASE("A team's links and unfinished items are listed and counted for that team only",
          "[store][records]") {
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_installation(installation("T2")).ok());
  REQUIRE(f.store->put_link(link("T1", "p-carol", "U3")).ok());
  auto email_only = link("T1", "p-bob", "U2");
  email_only.user_token.reset();
  REQUIRE(f.store->put_link(email_only).ok());
  REQUIRE(f.store->put_link(link("T2", "p-dan", "U4")).ok());
  AcceptRequest request;
  request.source_id = "msg-1";
  request.team_id = "T1";
  request.items = {{"recipient", "U2", "{}", "T1:U2", 0},
                   {"sender_copy", "U3", "{}", "T1:U3", 0},
                   {"recipient", "U9", "{}", "T1:U9", 0}};
  REQUIRE(f.store->accept(request).ok());
  auto claimed =
      f.store->claim_due(0, 2, "worker", kAllPartitions);  // two in flight, one still queued
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 2);
  REQUIRE(f.store->complete((*claimed)[0].item_id, "worker", ItemStatus::delivered, "", {}).ok());

  auto links = f.store->links_of_team("T1");
  REQUIRE(links.ok());
  REQUIRE(links->size() == 2);
  CHECK((*links)[0].platform_user_id == "p-bob");
  CHECK((*links)[1].platform_user_id == "p-carol");
  CHECK((*links)[1].user_token.has_value());

  auto usage = f.store->team_usage("T1");
  REQUIRE(usage.ok());
  CHECK(usage->links == 2);
  CHECK(usage->connected_users == 1);
  CHECK(usage->queued_items == 2);  // the delivered item no longer counts
  auto other = f.store->team_usage("T2");
  REQUIRE(other.ok());
  CHECK(other->links == 1);
  CHECK(other->queued_items == 0);
  CHECK(f.store->team_usage("T-none")->links == 0);
}

TEST_CASE("nothing is kept or accepted for a workspace not installed or disconnected",
          "[store][records]") {
  // A users.list page, a lookup or a post that starts a thread may finish after the Disconnect
  // that purged the workspace: the store must not bring its data back.
  StoreFixture f;
  auto refused_link = f.store->put_link(link("T1", "p-bob", "U2"));
  CHECK(refused_link.error().code == "conflict");  // never installed
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_link(link("T1", "p-bob", "U2")).ok());
  REQUIRE(f.store->purge_team("T1", 100).ok());

  CHECK_FALSE(f.store->put_link(link("T1", "p-bob", "U2")).ok());
  CHECK(f.store->put_thread_anchor({"T1", "C1", "ticket-1", "C1", "1.0"}).error().code ==
        "conflict");
  AcceptRequest late;  // resolved the team just before the purge, accepted just after
  late.source_id = "msg-late";
  late.team_id = "T1";
  late.items = {{"recipient", "U2", "{}", "T1:U2", 0}};
  CHECK(f.store->accept(late).error().code == "conflict");
  CHECK_FALSE(f.store->source_status(SourceKind::message, "msg-late")->has_value());
  // A cache page is dropped without an error: the sweep that wrote it simply ends.
  CHECK(
      f.store->upsert_directory({{"T1", "bob@example.com", DirectoryUser{"U2", "", ""}, 1}}).ok());
  CHECK_FALSE(f.store->get_link("T1", "p-bob")->has_value());
  CHECK_FALSE(f.store->get_thread_anchor("T1", "C1", "ticket-1")->has_value());
  CHECK_FALSE(f.store->lookup_directory("T1", "bob@example.com")->has_value());

  // Installed again: it is kept again.
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  CHECK(f.store->put_link(link("T1", "p-bob", "U2")).ok());
}

TEST_CASE("failing_destinations names each destination whose latest notification failed",
          "[store]") {
  StoreFixture f;
  REQUIRE(f.store->put_installation(installation("T1")).ok());
  REQUIRE(f.store->put_installation(installation("T2")).ok());
  // One notification per (team, destination, outcome), accepted in this order.
  struct Sent {
    const char* team;
    const char* destination;
    ItemStatus outcome;
    const char* reason;
  };
  const Sent sent[] = {
      {"T1", "channel:C1", ItemStatus::failed, "not_in_channel"},       // fixed since:
      {"T1", "channel:C1", ItemStatus::delivered, ""},                  //   delivered after
      {"T1", "webhook:ab12", ItemStatus::delivered, ""},                // broke later:
      {"T1", "webhook:ab12", ItemStatus::failed, "http_500"},           //   two failures,
      {"T1", "webhook:ab12", ItemStatus::failed, "webhook_gone"},       //   the latest's reason
      {"T1", "default", ItemStatus::failed, "no_default_destination"},  // never worked
      {"T2", "channel:C1", ItemStatus::failed, "channel_not_found"},    // another workspace
  };
  int n = 0;
  for (const auto& s : sent) {
    AcceptRequest request;
    request.kind = SourceKind::notification;
    request.source_id = "evt-" + std::to_string(n++);
    request.team_id = s.team;
    request.items = {{"destination", s.destination, "{}", request.source_id, 0}};
    REQUIRE(f.store->accept(request).ok());
    auto claimed = f.store->claim_due(0, 10, "worker", kAllPartitions);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 1);
    REQUIRE(f.store->complete((*claimed)[0].item_id, "worker", s.outcome, s.reason, {}).ok());
  }

  auto failing = f.store->failing_destinations("T1");
  REQUIRE(failing.ok());
  REQUIRE(failing->size() == 2);
  CHECK((*failing)[0].destination == "default");
  CHECK((*failing)[0].reason == "no_default_destination");
  CHECK((*failing)[0].failed_items == 1);
  CHECK((*failing)[1].destination == "webhook:ab12");
  CHECK((*failing)[1].reason == "webhook_gone");
  CHECK((*failing)[1].failed_items == 2);
  CHECK(f.store->failing_destinations("T2")->size() == 1);
  CHECK(f.store->failing_destinations("T-none")->empty());
}
