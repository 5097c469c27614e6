#include <catch2/catch.hpp>

#include "bridgebot/bridge/oauth_states.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/temp_dir.h"

using namespace bridgebot;

namespace {

struct Fixture {
  test::TempDir dir{"oauth_states"};
  std::unique_ptr<store::Store> db = store::open_sqlite_store(dir.file("bridge.db")).value();
  core::SecretBox box{core::random_bytes(32)};
  core::FakeClock clock{1'700'000'000};
  bridge::OAuthStates states{*db, box, clock, std::chrono::minutes(10), 5};

  std::int64_t rows() { return db->count_oauth_states().value(); }
};

const bridge::OAuthStatePayload kInstall{bridge::OAuthFlow::install, {}, {}, {}, {}};

}  // namespace

TEST_CASE("Cancelled or finished sign-ins leave no rows behind", "[bridge][oauth]") {
  Fixture f;
  for (int i = 0; i < 50; ++i) {  // e.g. Add to Slack, then Cancel on Slack's page
    auto token = f.states.issue(kInstall);
    REQUIRE(token.ok());
    REQUIRE(f.states.consume(*token, {bridge::OAuthFlow::install}).ok());
  }
  CHECK(f.rows() == 0);
}

TEST_CASE("Unfinished sign-ins are bounded, and expired ones make room", "[bridge][oauth]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) REQUIRE(f.states.issue(kInstall).ok());

  auto refused = f.states.issue(kInstall);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "too_many_sign_ins");
  CHECK(refused.error().transient);
  CHECK(f.rows() == 5);

  f.clock.advance(std::chrono::minutes(11));
  CHECK(f.states.issue(kInstall).ok());
  CHECK(f.rows() == 1);
}
