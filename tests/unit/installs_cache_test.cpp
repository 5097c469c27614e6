// The decrypted installations the delivery reads per item: served from memory while the row is
// unchanged, and never once it changed, whichever service sharing the store changed it.
#include <catch2/catch.hpp>
#include <future>

#include "bridgebot/bridge/installation_cache.h"
#include "bridgebot/core/thread_executor.h"
#include "installs_fakes.h"
#include "support/failing_store.h"

using namespace bridgebot;
using bridge::InstallationService;

namespace {

constexpr std::int64_t kHour = 3600;

// Two services on one store, as two replicas sharing a PostgreSQL database: `replica` is the
// delivering one, its reads of whole rows counted; `other` changes rows behind its back.
struct Replicas {
  test::TempStore temp;
  store::FailingStore counted{std::move(temp.db)};
  test::FakeSlack slack;
  core::FakeClock clock{1'700'000'000};
  InstallationService replica{counted, slack, temp.box, clock, test::test_options()};
  InstallationService other{counted, slack, temp.box, clock, test::test_options()};

  Replicas() {
    test::install_rotating(other, counted, slack, clock.unix_seconds() + 5 * kHour);
    slack.add_live("xoxb-reinstalled");
  }

  std::string bot_token() { return replica.active("T0001").value().bot_token; }
};

// Runs `job` as one job of `executor` and waits for it.
template <typename Job>
auto in_one_job(core::Executor& executor, Job job) {
  std::packaged_task<decltype(job())()> task(std::move(job));
  auto done = task.get_future();
  executor.post([&task] { task(); });
  return done.get();
}

}  // namespace

TEST_CASE("the delivery reads and decrypts an installation once while its row is unchanged",
          "[installs][cache]") {
  Replicas r;
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
  const int reads = r.counted.installation_reads();
  for (int i = 0; i < 5; ++i) CHECK(r.bot_token() == "xoxe.xoxb-1-original");
  CHECK(r.counted.installation_reads() == reads);
}

TEST_CASE("a token another service refreshed is the one the next delivery uses",
          "[installs][cache][rotation]") {
  Replicas r;
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
  REQUIRE(r.other.rotate("T0001").ok());
  CHECK(r.bot_token() == "xoxe.xoxb-1-rotated-1");
  // The refresh sweep (the token near its expiry) likewise.
  r.clock.advance(std::chrono::hours(11));
  REQUIRE(r.other.refresh_due().refreshed == 1);
  CHECK(r.bot_token() == "xoxe.xoxb-1-rotated-2");
}

TEST_CASE("a token refreshed after Slack said token_expired is used from then on",
          "[installs][cache][rotation]") {
  Replicas r;
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
  auto refreshed = r.replica.refresh_expired("T0001", "xoxe.xoxb-1-original");
  REQUIRE(refreshed.ok());
  CHECK(refreshed->bot_token == "xoxe.xoxb-1-rotated-1");
  CHECK(r.bot_token() == "xoxe.xoxb-1-rotated-1");
}

TEST_CASE("a reinstall or an edit in another service is seen at the next delivery",
          "[installs][cache]") {
  Replicas r;
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
  bridge::InstallationEdit edit;
  edit.notification_channel = "C0ALERTS";
  edit.sender_identity = false;
  REQUIRE(r.other.edit("T0001", edit).ok());
  auto edited = r.replica.active("T0001");
  REQUIRE(edited.ok());
  CHECK(edited->notification_channel == "C0ALERTS");
  CHECK_FALSE(edited->sender_identity);

  REQUIRE(r.other.install_bot_token("xoxb-reinstalled", "acme").ok());
  CHECK(r.bot_token() == "xoxb-reinstalled");
}

TEST_CASE("after a Disconnect in any service the delivery gets no installation, cached or not",
          "[installs][cache][disconnect]") {
  SECTION("disconnected by another service") {
    Replicas r;
    CHECK(r.bot_token() == "xoxe.xoxb-1-original");
    REQUIRE(r.other.disconnect("T0001").ok());
    auto gone = r.replica.active("T0001");
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().code == "unknown_team");
  }
  SECTION("disconnected by the delivering service itself") {
    Replicas r;
    CHECK(r.bot_token() == "xoxe.xoxb-1-original");
    REQUIRE(r.replica.disconnect("T0001").ok());
    auto gone = r.replica.active("T0001");
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().code == "unknown_team");
  }
  SECTION("installed again after the Disconnect: the new token, never the old one") {
    Replicas r;
    CHECK(r.bot_token() == "xoxe.xoxb-1-original");
    REQUIRE(r.other.disconnect("T0001").ok());
    REQUIRE(r.other.install_bot_token("xoxb-reinstalled", "acme").ok());
    CHECK(r.bot_token() == "xoxb-reinstalled");
  }
}

TEST_CASE("the installation cache holds one entry per workspace, within its capacity",
          "[installs][cache]") {
  bridge::InstallationCache cache(2);
  auto team = [](const char* id) {
    bridge::ActiveInstallation installation;
    installation.team_id = id;
    installation.bot_token = std::string("xoxb-") + id;
    return std::make_shared<const bridge::ActiveInstallation>(std::move(installation));
  };
  cache.keep(team("T1"), 7);
  cache.keep(team("T1"), 8);  // the same workspace re-read: replaced, not added
  CHECK(cache.size() == 1);
  CHECK(cache.find("T1", 7) == nullptr);
  CHECK(cache.find("T1", 8)->bot_token == "xoxb-T1");

  cache.keep(team("T2"), 1);
  cache.keep(team("T3"), 1);
  CHECK(cache.size() == 2);
  CHECK(cache.find("T3", 1) != nullptr);

  cache.forget("T3");
  CHECK(cache.find("T3", 1) == nullptr);
  CHECK(cache.size() == 1);
}

TEST_CASE("a send reads the installation's stamp unless its delivery read it in the same job",
          "[installs][cache][disconnect]") {
  Replicas r;
  core::ThreadExecutor executor(1);
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");  // warm: the decrypted copy is cached

  SECTION("the delivery's own read serves its first send: one stamp read for both") {
    const int before = r.counted.stamp_reads();
    in_one_job(executor, [&] {
      REQUIRE(r.replica.active("T0001").ok());
      CHECK(r.replica.may_post("T0001").ok());
    });
    CHECK(r.counted.stamp_reads() == before + 1);
  }
  SECTION("a Disconnect before a later send of the same delivery stops that send") {
    in_one_job(executor, [&] {
      REQUIRE(r.replica.active("T0001").ok());
      CHECK(r.replica.may_post("T0001").ok());
      REQUIRE(r.other.disconnect("T0001").ok());
      auto refused = r.replica.may_post("T0001");
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().code == "team_disconnected");
    });
  }
  SECTION("a Disconnect while the delivery waited (a later job) stops its send") {
    in_one_job(executor, [&] { REQUIRE(r.replica.active("T0001").ok()); });
    REQUIRE(r.other.disconnect("T0001").ok());
    auto refused = in_one_job(executor, [&] { return r.replica.may_post("T0001"); });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == "team_disconnected");
  }
  SECTION("another workspace's read does not stand in for this one's") {
    in_one_job(executor, [&] {
      REQUIRE(r.replica.active("T0001").ok());
      auto refused = r.replica.may_post("T0NOTHERE");
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().code == "team_disconnected");
    });
  }
  SECTION("off an executor every send reads the stamp") {
    REQUIRE(r.replica.active("T0001").ok());
    REQUIRE(r.other.disconnect("T0001").ok());
    CHECK_FALSE(r.replica.may_post("T0001").ok());
  }
}
