// The email directory over a real store: cache hits and misses, TTLs, sweeps, and Slack's user
// events keeping links true.
#include <catch2/catch.hpp>

#include "bridge_fakes.h"
#include "bridgebot/bridge/directory_memo.h"
#include "bridgebot/bridge/directory_sweeper.h"
#include "bridgebot/core/task.h"
#include "support/failing_store.h"

using namespace bridge_test;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> found_id(BridgeFixture& f, const std::string& email) {
  auto found = f.directory.find_by_email(kTeam, email);
  REQUIRE(found.ok());
  if (!found->has_value()) return std::nullopt;
  return (*found)->slack_user_id;
}

bool linked(BridgeFixture& f, const std::string& platform_id) {
  auto link = f.store->get_link(kTeam, platform_id);
  REQUIRE(link.ok());
  return link->has_value();
}

}  // namespace

TEST_CASE("a lookup asks Slack once, then answers from the cache", "[bridge][directory]") {
  BridgeFixture f;
  f.slack.add_user(human("U2", "bob@example.com"));
  CHECK(found_id(f, " Bob@Example.COM ") == "U2");
  CHECK(found_id(f, "bob@example.com") == "U2");
  CHECK(f.slack.lookup_calls() == 1);

  // After the positive TTL (24 h) Slack is asked again.
  f.clock.advance(24h);
  CHECK(found_id(f, "bob@example.com") == "U2");
  CHECK(f.slack.lookup_calls() == 2);
}

TEST_CASE("an unknown email is cached as absent for an hour", "[bridge][directory]") {
  BridgeFixture f;
  CHECK_FALSE(found_id(f, "new@example.com"));
  f.slack.add_user(human("U5", "new@example.com"));
  f.clock.advance(59min);
  CHECK_FALSE(found_id(f, "new@example.com"));
  CHECK(f.slack.lookup_calls() == 1);
  f.clock.advance(1min);
  CHECK(found_id(f, "new@example.com") == "U5");
  CHECK(f.slack.lookup_calls() == 2);
}

TEST_CASE("bots, app users, deactivated users and Slackbot never match", "[bridge][directory]") {
  BridgeFixture f;
  auto bot = human("B1", "bot@example.com");
  bot.is_bot = true;
  auto app = human("U7", "app@example.com");
  app.is_app_user = true;
  auto gone = human("U8", "gone@example.com");
  gone.deleted = true;
  auto slackbot = human("USLACKBOT", "slackbot@example.com");
  auto guest = human("U9", "guest@example.com");
  guest.is_restricted = true;
  for (const auto& user : {bot, app, gone, slackbot, guest}) f.slack.add_user(user);

  CHECK_FALSE(found_id(f, "bot@example.com"));
  CHECK_FALSE(found_id(f, "app@example.com"));
  CHECK_FALSE(found_id(f, "gone@example.com"));
  CHECK_FALSE(found_id(f, "slackbot@example.com"));
  CHECK(found_id(f, "guest@example.com") == "U9");  // guests are people
}

TEST_CASE("Slack errors other than users_not_found are not cached as absent",
          "[bridge][directory]") {
  BridgeFixture f;
  f.slack.fail_token(kBotToken, "ratelimited");
  auto found = f.directory.find_by_email(kTeam, "bob@example.com");
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().code == "ratelimited");
  auto cached = f.store->lookup_directory(kTeam, "bob@example.com");
  REQUIRE(cached.ok());
  CHECK_FALSE(cached->has_value());
}

TEST_CASE("resolve prefers the user's link to an email match", "[bridge][directory]") {
  BridgeFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  f.slack.add_user(human("U3", "bob@other.example"));
  auto identity = f.directory.resolve(kTeam, "p-bob", "bob@other.example");
  REQUIRE(identity.ok());
  REQUIRE(identity->has_value());
  CHECK((*identity)->slack_user_id == "U2");
  CHECK((*identity)->link.has_value());
  CHECK(f.slack.lookup_calls() == 0);
}

TEST_CASE("a sweep caches a workspace in pages, so matching costs no call per user",
          "[bridge][directory]") {
  BridgeFixture f;
  f.link("p-gone", "U4", "gone@example.com");
  auto gone = human("U4", "gone@example.com");
  gone.deleted = true;
  auto bot = human("B1", "bot@example.com");
  bot.is_bot = true;
  f.slack.set_user_pages({{human("U1", "Alice@Example.com"), bot},
                          {human("U2", "bob@example.com"), gone},
                          {human("U3", "carol@example.com")}});

  auto swept = f.directory.sweep(kTeam);
  REQUIRE(swept.ok());
  CHECK(*swept == 3);
  CHECK(f.slack.list_calls() == 3);

  CHECK(found_id(f, "alice@example.com") == "U1");
  CHECK(found_id(f, "bob@example.com") == "U2");
  CHECK(found_id(f, "carol@example.com") == "U3");
  CHECK(f.slack.lookup_calls() == 0);
  // A deactivation missed while offline still ends the link.
  CHECK_FALSE(linked(f, "p-gone"));
}

TEST_CASE("the background sweeper sweeps every active team without blocking",
          "[bridge][directory]") {
  BridgeFixture f;
  f.slack.set_user_pages({{human("U1", "alice@example.com")}});
  bridge::DirectorySweeper sweeper(f.directory, f.installations);
  sweeper.start();
  sweeper.wait_idle();
  CHECK(f.slack.list_calls() == 1);
  sweeper.request(kTeam);
  sweeper.wait_idle();
  CHECK(f.slack.list_calls() == 2);
  sweeper.stop();
  CHECK(found_id(f, "alice@example.com") == "U1");
}

TEST_CASE("a deactivated user loses links and cache entries", "[bridge][directory]") {
  BridgeFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  CHECK(found_id(f, "bob@example.com") == "U2");

  auto bob = human("U2", "bob@example.com");
  bob.deleted = true;
  REQUIRE(f.directory.on_user_change(kTeam, bob).ok());
  CHECK_FALSE(linked(f, "p-bob"));
  // The cache no longer answers for him: Slack is asked again.
  (void)found_id(f, "bob@example.com");
  CHECK(f.slack.lookup_calls() == 2);
}

TEST_CASE("an email change drops links resting on the old email", "[bridge][directory]") {
  BridgeFixture f;
  f.link("p-bob", "U2", "bob@example.com");

  SECTION("changed") {
    REQUIRE(f.directory.on_user_change(kTeam, human("U2", "robert@example.com")).ok());
    CHECK_FALSE(linked(f, "p-bob"));
    CHECK(found_id(f, "robert@example.com") == "U2");
    CHECK(f.slack.lookup_calls() == 0);
  }
  SECTION("only the case changed: still the same email") {
    REQUIRE(f.directory.on_user_change(kTeam, human("U2", "BOB@example.com")).ok());
    CHECK(linked(f, "p-bob"));
  }
}

TEST_CASE("a new member is matchable at once", "[bridge][directory]") {
  BridgeFixture f;
  REQUIRE(f.directory.on_team_join(kTeam, human("U6", "dana@example.com")).ok());
  CHECK(found_id(f, "dana@example.com") == "U6");
  CHECK(f.slack.lookup_calls() == 0);
}

namespace {

constexpr std::int64_t kGeneration = 7;  // the installation's, as a delivery read it

// A process whose Directories share one memo (the delivery's and the Socket Mode events'), its
// directory reads counted, and another process on the same store without it.
struct MemoProcess {
  BridgeFixture f;
  store::FailingStore counted{f.open_store()};
  bridge::DirectoryMemo memo{f.clock};
  bridge::Directory delivery{counted, f.slack, f.installations, f.clock, with_memo()};
  bridge::Directory events{counted, f.slack, f.installations, f.clock, with_memo()};
  bridge::Directory other_process{*f.store, f.slack, f.installations, f.clock};

  bridge::DirectoryOptions with_memo() {
    bridge::DirectoryOptions options;
    options.memo = &memo;
    return options;
  }
  std::optional<std::string> delivered_to(const std::string& email,
                                          std::int64_t generation = kGeneration) {
    auto found = core::run_inline(delivery.find_by_email_async(kTeam, email, generation));
    REQUIRE(found.ok());
    if (!found->has_value()) return std::nullopt;
    return (*found)->slack_user_id;
  }
};

}  // namespace

TEST_CASE("a burst to one recipient reads the directory entry from the store once",
          "[bridge][directory][memo]") {
  MemoProcess p;
  p.f.slack.add_user(human("U2", "bob@example.com"));
  CHECK(p.delivered_to("bob@example.com") == "U2");
  const int reads = p.counted.directory_reads();
  for (int i = 0; i < 5; ++i) CHECK(p.delivered_to("Bob@example.com") == "U2");
  CHECK(p.counted.directory_reads() == reads);
  CHECK(p.f.slack.lookup_calls() == 1);
}

TEST_CASE("a user_change this process handled is what its next delivery uses",
          "[bridge][directory][memo]") {
  MemoProcess p;
  p.f.slack.add_user(human("U2", "bob@example.com"));
  CHECK(p.delivered_to("bob@example.com") == "U2");
  CHECK(p.delivered_to("bob@example.com") == "U2");  // from memory

  SECTION("deactivated: no longer answered from memory, Slack is asked again") {
    auto bob = human("U2", "bob@example.com");
    bob.deleted = true;
    REQUIRE(p.events.on_user_change(kTeam, bob).ok());
    (void)p.delivered_to("bob@example.com");
    CHECK(p.f.slack.lookup_calls() == 2);
  }
  SECTION("email changed: the new email matches at once, the old one is asked again") {
    REQUIRE(p.events.on_user_change(kTeam, human("U2", "robert@example.com")).ok());
    CHECK(p.delivered_to("robert@example.com") == "U2");
    (void)p.delivered_to("bob@example.com");
    CHECK(p.f.slack.lookup_calls() == 2);
  }
}

TEST_CASE("after a Disconnect the memo's entries of the workspace are never served",
          "[bridge][directory][memo][disconnect]") {
  MemoProcess p;
  p.f.slack.add_user(human("U2", "bob@example.com"));
  CHECK(p.delivered_to("bob@example.com") == "U2");
  // Purged, and installed again: the installation row has a new generation.
  REQUIRE(p.f.store->purge_team(kTeam, p.f.clock.unix_seconds()).ok());
  (void)p.delivered_to("bob@example.com", kGeneration + 1);
  CHECK(p.f.slack.lookup_calls() == 2);
}

TEST_CASE("a directory write by another process is seen here within the memo's hold",
          "[bridge][directory][memo]") {
  MemoProcess p;
  p.f.slack.add_user(human("U2", "bob@example.com"));
  CHECK(p.delivered_to("bob@example.com") == "U2");
  auto bob = human("U2", "bob@example.com");
  bob.deleted = true;
  REQUIRE(p.other_process.on_user_change(kTeam, bob).ok());
  p.f.clock.advance(5s);
  (void)p.delivered_to("bob@example.com");
  CHECK(p.f.slack.lookup_calls() == 2);
}

TEST_CASE("the memo keeps no answer read before a write that dropped the workspace",
          "[bridge][directory][memo]") {
  core::FakeClock clock;
  bridge::DirectoryMemo memo(clock);
  const store::DirectoryEntry entry{kTeam, "bob@example.com", store::DirectoryUser{"U2", "Bob", ""},
                                    clock.unix_seconds()};
  const auto seen = memo.epoch();  // a delivery about to read the store...
  memo.forget_team(kTeam);         // ...while an event's write drops the workspace
  memo.keep(entry, kGeneration, seen);
  CHECK_FALSE(memo.find(kTeam, "bob@example.com", kGeneration));

  memo.keep(entry, kGeneration, memo.epoch());
  CHECK(memo.find(kTeam, "bob@example.com", kGeneration));
  CHECK_FALSE(memo.find(kTeam, "bob@example.com", kGeneration + 1));  // another installation
  CHECK(memo.size() == 0);                                            // and dropped for good
}
