#include <catch2/catch.hpp>
#include <string>

#include "../src/store/sqlite_connection.h"
#include "support/temp_dir.h"

using namespace bridgebot::store;

namespace {

struct Db {
  bridgebot::test::TempDir dir{"store_connection"};
  std::unique_ptr<sqlite::Connection> connection;
  Db() {
    auto opened =
        sqlite::Connection::open((dir.path / "bridge.db").string(), std::chrono::seconds(1));
    REQUIRE(opened.ok());
    connection = std::move(*opened);
  }
  // The first column of the one row `sql` returns, as text; "error: CODE" when it fails.
  std::string value(const std::string& sql, const sql::Params& params = {}) {
    std::string out;
    auto ran = connection->exec(sql, params, [&](const sql::Row& row) { out = row.text(0); });
    return ran ? out : "error: " + ran.error().code;
  }
};

}  // namespace

TEST_CASE("Cached statements that differ only in the middle of their text each run as written",
          "[store][sqlite]") {
  Db db;
  // Same length, same start, thirds and end: they differ only in the word after SELECT.
  const std::string first = "SELECT 'first--' AS v, 1 AS padding_padding_padding_pad";
  const std::string second = "SELECT 'second-' AS v, 1 AS padding_padding_padding_pad";
  REQUIRE(first.size() == second.size());
  for (int round = 0; round < 3; ++round) {
    CHECK(db.value(first) == "first--");
    CHECK(db.value(second) == "second-");
  }
}

TEST_CASE("A cached statement takes each run's own values, $n from the n-th", "[store][sqlite]") {
  Db db;
  const std::string sql = "SELECT $2 || $1 || $2";
  CHECK(db.value(sql, sql::Params().text("a").text("b")) == "bab");
  CHECK(db.value(sql, sql::Params().text("c").integer(7)) == "7c7");
  // Too few values: refused without running, and the statement still serves the next run.
  CHECK(db.value(sql, sql::Params().text("x")) == "error: store_error");
  CHECK(db.value(sql, sql::Params().text("d").text("e")) == "ede");
}

TEST_CASE("A statement with a parameter not written $n is refused", "[store][sqlite]") {
  Db db;
  CHECK(db.value("SELECT ?", sql::Params().text("a")) == "error: store_error");
  CHECK(db.value("SELECT :name", sql::Params().text("a")) == "error: store_error");
}
