#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <string>
#include <vector>

#include "../src/store/sqlite_reader_pool.h"
#include "support/temp_dir.h"

using namespace bridgebot::store;
using bridgebot::Status;
using sqlite::Connection;
using sqlite::ReaderPool;

namespace {

// Guards against a hang, not a speed check: a read that never gets a connection fails the test.
constexpr auto kStuck = std::chrono::seconds(30);

struct Db {
  bridgebot::test::TempDir dir{"store_readers"};
  std::string path = dir.file("bridge.db");
  std::unique_ptr<Connection> writer = open();

  std::unique_ptr<Connection> open() const {
    auto connection = Connection::open(path, std::chrono::milliseconds(5000));
    REQUIRE(connection);
    return std::move(*connection);
  }
  ReaderPool::Opener opener() const {
    return [path = path] { return Connection::open(path, std::chrono::milliseconds(5000)); };
  }
};

// Not a Catch assertion: it runs on the reading threads.
std::int64_t count_rows(sql::Session& s) {
  std::int64_t rows = -1;
  auto done =
      s.exec("SELECT count(*) FROM t", {}, [&](const sql::Row& row) { rows = row.integer(0); });
  return done ? rows : -1;
}

Status select_one(sql::Session& s) {
  auto selected = s.exec("SELECT 1");
  if (!selected) return selected.error();
  return {};
}

}  // namespace

TEST_CASE("A read completes while another read is still running", "[store][readers]") {
  Db db;
  ReaderPool pool(db.open(), db.opener(), 4);
  std::promise<void> inside, finish;
  auto held = std::async(std::launch::async, [&] {
    return pool.read([&](sql::Session&) {
      inside.set_value();
      finish.get_future().wait();
      return Status{};
    });
  });
  inside.get_future().wait();

  auto second = std::async(std::launch::async, [&] { return pool.read(select_one); });
  const bool second_done = second.wait_for(kStuck) == std::future_status::ready;
  finish.set_value();
  REQUIRE(second_done);
  CHECK(second.get().ok());
  CHECK(held.get().ok());
  CHECK(pool.size() == 2);
}

TEST_CASE("Every pooled reader sees a write that returned", "[store][readers]") {
  Db db;
  REQUIRE(db.writer->exec_script("CREATE TABLE t (x INTEGER)").ok());
  ReaderPool pool(db.open(), db.opener(), 3);

  // Three reads inside at once each hold their own connection; each counts the rows.
  auto read_all = [&] {
    std::latch all_inside(3);
    std::vector<std::future<std::int64_t>> reads;
    for (int i = 0; i < 3; ++i) {
      reads.push_back(std::async(std::launch::async, [&] {
        std::int64_t rows = -1;
        Status done = pool.read([&](sql::Session& s) {
          rows = count_rows(s);
          all_inside.arrive_and_wait();
          return Status{};
        });
        return done.ok() ? rows : -2;
      }));
    }
    std::vector<std::int64_t> counts;
    for (auto& read : reads) {
      REQUIRE(read.wait_for(kStuck) == std::future_status::ready);
      counts.push_back(read.get());
    }
    return counts;
  };

  CHECK(read_all() == std::vector<std::int64_t>{0, 0, 0});
  REQUIRE(pool.size() == 3);
  REQUIRE(db.writer->exec("INSERT INTO t VALUES (1)"));
  CHECK(read_all() == std::vector<std::int64_t>{1, 1, 1});
  CHECK(pool.size() == 3);
}

TEST_CASE("Readers that cannot be opened leave the store reading on the ones it has",
          "[store][readers]") {
  Db db;
  std::atomic<int> attempts = 0;
  std::promise<void> tried;
  ReaderPool pool(
      db.open(),
      [&]() -> bridgebot::Result<std::unique_ptr<Connection>> {
        if (attempts++ == 0) tried.set_value();
        return bridgebot::make_error("store_error", "cannot open database: too many open files");
      },
      4);
  std::promise<void> inside, finish;
  auto held = std::async(std::launch::async, [&] {
    return pool.read([&](sql::Session&) {
      inside.set_value();
      finish.get_future().wait();
      return Status{};
    });
  });
  inside.get_future().wait();
  auto second = std::async(std::launch::async, [&] { return pool.read(select_one); });
  // After its open failed, the second read waits for the busy connection instead of failing.
  tried.get_future().wait();
  finish.set_value();
  REQUIRE(held.get().ok());
  REQUIRE(second.wait_for(kStuck) == std::future_status::ready);
  CHECK(second.get().ok());
  CHECK(pool.read(select_one).ok());
  CHECK(pool.size() == 1);
  CHECK(attempts == 1);  // one failed open stops the pool growing
}
