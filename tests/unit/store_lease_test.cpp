#include <stdlib.h>

#include <algorithm>
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
  TempDir() : bridgebot::test::TempDir("store_lease") {}
};

// Two stores on one file, as two bridgebot processes sharing a database.
struct TwoStores {
  TempDir dir;
  std::unique_ptr<Store> a = open();
  std::unique_ptr<Store> b = open();

  std::unique_ptr<Store> open() {
    auto opened = bridgebot::test::open_test_store(dir);
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
};

constexpr std::string_view kLease = "token-refresh:T1";

}  // namespace

TEST_CASE("Only one of two stores on one file holds a lease", "[store][lease]") {
  TwoStores s;
  CHECK(*s.a->acquire_lease(kLease, "proc-a", 1000, 30));
  CHECK_FALSE(*s.b->acquire_lease(kLease, "proc-b", 1010, 30));
  // Re-acquiring by the holder is allowed and extends it.
  CHECK(*s.a->acquire_lease(kLease, "proc-a", 1020, 30));
  CHECK_FALSE(*s.b->acquire_lease(kLease, "proc-b", 1045, 30));
  // Other lease names are independent.
  CHECK(*s.b->acquire_lease("token-refresh:T2", "proc-b", 1045, 30));
}

TEST_CASE("An expired lease can be taken over and its old owner cannot renew it",
          "[store][lease]") {
  TwoStores s;
  REQUIRE(*s.a->acquire_lease(kLease, "proc-a", 1000, 30));
  CHECK(*s.a->renew_lease(kLease, "proc-a", 1020, 30));  // now until 1050
  CHECK_FALSE(*s.b->acquire_lease(kLease, "proc-b", 1049, 30));
  CHECK(*s.b->acquire_lease(kLease, "proc-b", 1050, 30));
  CHECK_FALSE(*s.a->renew_lease(kLease, "proc-a", 1051, 30));
  CHECK(*s.b->renew_lease(kLease, "proc-b", 1051, 30));
}

TEST_CASE("Releasing frees a lease, but only for its owner", "[store][lease]") {
  TwoStores s;
  REQUIRE(*s.a->acquire_lease(kLease, "proc-a", 1000, 300));
  REQUIRE(s.b->release_lease(kLease, "proc-b").ok());
  CHECK_FALSE(*s.b->acquire_lease(kLease, "proc-b", 1001, 300));
  REQUIRE(s.a->release_lease(kLease, "proc-a").ok());
  CHECK(*s.b->acquire_lease(kLease, "proc-b", 1002, 300));
}

TEST_CASE("An OAuth state is taken once, by either store, and not after it expired",
          "[store][oauth_state]") {
  TwoStores s;
  REQUIRE(*s.a->put_oauth_state("n1", 1600, 1000, 10));
  REQUIRE(*s.a->put_oauth_state("n2", 1600, 1000, 10));
  CHECK(*s.b->take_oauth_state("n1", 1100));
  CHECK_FALSE(*s.a->take_oauth_state("n1", 1101));  // used
  CHECK_FALSE(*s.a->take_oauth_state("never-issued", 1101));
  CHECK_FALSE(*s.a->take_oauth_state("n2", 1600));  // expired
  CHECK(*s.a->count_oauth_states() == 1);           // n1 went when it was taken
}

TEST_CASE("Expired OAuth states are deleted and live ones are bounded", "[store][oauth_state]") {
  TwoStores s;
  for (int i = 0; i < 3; ++i)
    REQUIRE(*s.a->put_oauth_state("old" + std::to_string(i), 1600, 1000, 3));
  CHECK_FALSE(*s.b->put_oauth_state("refused", 1700, 1100, 3));  // three live already
  CHECK(*s.a->count_oauth_states() == 3);

  CHECK(*s.b->put_oauth_state("fresh", 2200, 1600, 3));  // the three expired at 1600
  CHECK(*s.a->count_oauth_states() == 1);
  CHECK(*s.a->take_oauth_state("fresh", 1601));
  // Other leases are not OAuth states: neither counted nor pruned.
  REQUIRE(*s.a->acquire_lease(kLease, "proc-a", 1000, 1));
  CHECK(*s.a->count_oauth_states() == 0);
  CHECK(*s.b->put_oauth_state("later", 9000, 5000, 3));
  CHECK_FALSE(*s.b->acquire_lease(kLease, "proc-b", 1000, 1));  // still proc-a's row
}

TEST_CASE("Leases are listed by prefix and renewed together", "[store][lease]") {
  TwoStores s;
  REQUIRE(*s.a->acquire_lease("delivery:1", "proc-a", 1000, 10));
  REQUIRE(*s.a->acquire_lease("delivery:2", "proc-a", 1000, 10));
  REQUIRE(*s.b->acquire_lease("delivery:3", "proc-b", 1000, 10));
  REQUIRE(*s.a->acquire_lease("events", "proc-a", 1000, 10));
  auto listed = s.b->list_leases("delivery:");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].name == "delivery:1");
  CHECK((*listed)[0].owner == "proc-a");
  CHECK((*listed)[0].expires_at == 1010);
  CHECK((*listed)[2].owner == "proc-b");

  // Only a's unexpired leases with the prefix are extended.
  REQUIRE(*s.a->acquire_lease("delivery:4", "proc-a", 990, 10));  // expired at 1000
  auto renewed = s.a->renew_leases("delivery:", "proc-a", 1005, 10);
  REQUIRE(renewed.ok());
  std::vector<std::string> names = *renewed;
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"delivery:1", "delivery:2"});
  listed = s.b->list_leases("delivery:");
  CHECK((*listed)[0].expires_at == 1015);
  CHECK((*listed)[2].expires_at == 1010);  // b's, untouched
  CHECK((*listed)[3].expires_at == 1000);  // expired, not revived
  CHECK(s.b->list_leases("events")->front().expires_at == 1010);
  CHECK(s.b->list_leases("nothing")->empty());
}
