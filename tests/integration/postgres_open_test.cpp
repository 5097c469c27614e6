// Opening the PostgreSQL store: what an operator sees when the URL is wrong or the database was
// written by a newer bridgebot. (The Store contract itself is the shared store tests.)
#include <libpq-fe.h>

#include <catch2/catch.hpp>

#include "bridgebot/store/postgres_store.h"
#include "support/postgres_server.h"

using namespace bridgebot;

TEST_CASE("a database nobody listens on is named in the error, its password never",
          "[store][postgres]") {
  auto refused =
      store::open_postgres_store("postgresql://bridge:hunter2-secret@127.0.0.1:1/bridgebot");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "store_error");
  CHECK(refused.error().transient);  // the database may come up: a supervisor retries
  CHECK_THAT(refused.error().message, Catch::Contains("bridgebot on 127.0.0.1"));
  CHECK_THAT(refused.error().message, !Catch::Contains("hunter2"));
}

TEST_CASE("a database written by a newer bridgebot is refused and left as it is",
          "[store][postgres]") {
  const std::string url = test::new_postgres_database();
  REQUIRE(store::open_postgres_store(url).ok());  // creates the schema
  PGconn* db = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(db) == CONNECTION_OK);
  const std::string newer = std::to_string(store::postgres_schema_version() + 1);
  PQclear(PQexec(db, ("INSERT INTO schema_version (version) VALUES (" + newer + ")").c_str()));
  PQfinish(db);

  auto refused = store::open_postgres_store(url);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "store_schema_too_new");
  CHECK_THAT(refused.error().message, Catch::Contains("upgrade bridgebot"));
  CHECK(store::open_postgres_store(url).error().code == "store_schema_too_new");
}
