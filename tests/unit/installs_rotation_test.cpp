#include <catch2/catch.hpp>
#include <future>

#include "bridgebot/core/thread_executor.h"
#include "installs_fakes.h"

using namespace bridgebot;
using bridge::InstallationService;

namespace {

constexpr std::int64_t kHour = 3600;

struct Rotation {
  test::TempStore temp;
  test::FakeSlack slack;
  core::FakeClock clock{1'700'000'000};
  InstallationService service{*temp.db, slack, temp.box, clock, test::test_options()};

  std::string bot_token() { return service.active("T0001").value().bot_token; }
};

}  // namespace

TEST_CASE("refresh_due leaves a token with more than two hours left alone",
          "[installs][rotation]") {
  Rotation r;
  test::install_rotating(r.service, *r.temp.db, r.slack, r.clock.unix_seconds() + 3 * kHour);
  auto sweep = r.service.refresh_due();
  CHECK(sweep.refreshed == 0);
  CHECK(r.slack.refreshes == 0);
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
}

TEST_CASE("refresh_due rotates a token with two hours or less left and stores the new pair",
          "[installs][rotation]") {
  Rotation r;
  test::install_rotating(r.service, *r.temp.db, r.slack, r.clock.unix_seconds() + 2 * kHour);
  auto sweep = r.service.refresh_due();
  CHECK(sweep.refreshed == 1);
  CHECK(sweep.failed == 0);
  CHECK(r.bot_token() == "xoxe.xoxb-1-rotated-1");
  auto stored = r.temp.db->get_installation("T0001").value();
  REQUIRE(stored->token_expires_at);
  CHECK(*stored->token_expires_at == r.clock.unix_seconds() + 43200);
  // The stored refresh token is the new one: the next rotation spends it, not the dead one.
  r.clock.advance(std::chrono::hours(11));
  CHECK(r.service.refresh_due().refreshed == 1);
  CHECK(r.bot_token() == "xoxe.xoxb-1-rotated-2");
}

TEST_CASE("refresh_expired answers with a fresh token after Slack said token_expired",
          "[installs][rotation]") {
  Rotation r;
  test::install_rotating(r.service, *r.temp.db, r.slack, r.clock.unix_seconds() + 5 * kHour);
  auto refreshed = r.service.refresh_expired("T0001", "xoxe.xoxb-1-original");
  REQUIRE(refreshed.ok());
  CHECK(refreshed->bot_token == "xoxe.xoxb-1-rotated-1");
}

TEST_CASE(
    "a worker told token_expired after another one refreshed gets the fresh token, no exchange",
    "[installs][rotation]") {
  // Eight dispatcher workers used the same token; each hears token_expired in turn. Only the
  // first may spend the refresh token: a second exchange would expire the token just handed out.
  Rotation r;
  test::install_rotating(r.service, *r.temp.db, r.slack, r.clock.unix_seconds() + 5 * kHour);
  auto first = r.service.refresh_expired("T0001", "xoxe.xoxb-1-original");
  auto late = r.service.refresh_expired("T0001", "xoxe.xoxb-1-original");
  REQUIRE(first.ok());
  REQUIRE(late.ok());
  CHECK(late->bot_token == "xoxe.xoxb-1-rotated-1");
  CHECK(r.slack.refreshes == 1);
}

TEST_CASE("a token that does not rotate is not_rotating and refresh_expired says what to do",
          "[installs][rotation]") {
  Rotation r;
  r.slack.add_live("xoxb-plain");
  REQUIRE(r.service.install_bot_token("xoxb-plain", "acme").ok());
  auto rotated = r.service.rotate("T0001");
  REQUIRE_FALSE(rotated.ok());
  CHECK(rotated.error().code == "not_rotating");
  auto expired = r.service.refresh_expired("T0001", "xoxb-plain");
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == "token_expired");
  CHECK_THAT(expired.error().message, Catch::Contains("reinstall"));
}

TEST_CASE("a spent refresh token tells the admin to reinstall", "[installs][rotation]") {
  Rotation r;
  test::install_rotating(r.service, *r.temp.db, r.slack, r.clock.unix_seconds() + kHour);
  r.slack.fail_refresh = "invalid_refresh_token";
  auto rotated = r.service.rotate("T0001");
  REQUIRE_FALSE(rotated.ok());
  CHECK(rotated.error().code == "invalid_refresh_token");
  CHECK_THAT(rotated.error().message, Catch::Contains("reinstall"));
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
}

TEST_CASE("without slack.oauth a rotating token cannot be refreshed, and the error says so",
          "[installs][rotation]") {
  test::TempStore temp;
  test::FakeSlack slack;
  core::FakeClock clock;
  InstallationService service{*temp.db, slack, temp.box, clock};
  test::install_rotating(service, *temp.db, slack, clock.unix_seconds() + kHour);
  auto rotated = service.rotate("T0001");
  REQUIRE_FALSE(rotated.ok());
  CHECK(rotated.error().code == "oauth_not_configured");
}

TEST_CASE("two services on one store spend the refresh token once when both see token_expired",
          "[installs][rotation][lease]") {
  test::TempStore temp;
  test::FakeSlack slack;
  slack.refresh_delay = std::chrono::milliseconds(300);
  core::FakeClock clock;
  InstallationService first{*temp.db, slack, temp.box, clock, test::test_options()};
  InstallationService second{*temp.db, slack, temp.box, clock, test::test_options()};
  test::install_rotating(first, *temp.db, slack, clock.unix_seconds() + 5 * kHour);

  auto a = std::async(std::launch::async,
                      [&] { return first.refresh_expired("T0001", "xoxe.xoxb-1-original"); });
  auto b = std::async(std::launch::async,
                      [&] { return second.refresh_expired("T0001", "xoxe.xoxb-1-original"); });
  auto ra = a.get();
  auto rb = b.get();
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(slack.refreshes == 1);
  CHECK(ra->bot_token == "xoxe.xoxb-1-rotated-1");
  CHECK(rb->bot_token == "xoxe.xoxb-1-rotated-1");
}

TEST_CASE("two sweeps running at once refresh a due token once", "[installs][rotation][lease]") {
  test::TempStore temp;
  test::FakeSlack slack;
  slack.refresh_delay = std::chrono::milliseconds(200);
  core::FakeClock clock;
  InstallationService first{*temp.db, slack, temp.box, clock, test::test_options()};
  InstallationService second{*temp.db, slack, temp.box, clock, test::test_options()};
  test::install_rotating(first, *temp.db, slack, clock.unix_seconds() + kHour);
  auto a = std::async(std::launch::async, [&] { return first.refresh_due(); });
  auto b = std::async(std::launch::async, [&] { return second.refresh_due(); });
  CHECK(a.get().refreshed + b.get().refreshed == 1);
  CHECK(slack.refreshes == 1);
}

TEST_CASE("a delivery waiting for another process's refresh holds no thread, and a stop ends it",
          "[installs][rotation][lease]") {
  Rotation r;
  test::install_rotating(r.service, *r.temp.db, r.slack, r.clock.unix_seconds() + 5 * kHour);
  REQUIRE(r.temp.db->acquire_lease("refresh:T0001", "another-process", r.clock.unix_seconds(), 60)
              .value());

  core::ThreadExecutor executor(1);
  std::promise<Result<bridge::ActiveInstallation>> refreshed;
  executor.post([&] {
    core::start_detached(
        r.service.refresh_expired_async(r.slack, "T0001", "xoxe.xoxb-1-original"),
        [&](Result<bridge::ActiveInstallation> result) { refreshed.set_value(std::move(result)); });
  });
  // The executor's one thread runs other work while the refresh waits for the lease.
  std::promise<void> other_work;
  executor.post([&] { other_work.set_value(); });
  REQUIRE(other_work.get_future().wait_for(std::chrono::seconds(4)) == std::future_status::ready);

  executor.cancel_timers();
  auto result = refreshed.get_future().get();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == "cancelled");
  CHECK(result.error().transient);
  CHECK(r.slack.refreshes == 0);
  CHECK(r.bot_token() == "xoxe.xoxb-1-original");
}
