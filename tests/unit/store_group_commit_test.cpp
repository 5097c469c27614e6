#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../src/store/group_commit_writer.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace bridgebot::store;
using bridgebot::Status;

namespace {

struct TempDir : bridgebot::test::TempDir {
  TempDir() : bridgebot::test::TempDir("store_group") {}
};

AcceptRequest message(std::string id) {
  AcceptRequest request;
  request.source_id = std::move(id);
  request.team_id = "T1";
  request.items = {{"recipient", "U2", "{}", "", 100}};
  request.now = 100;
  return request;
}

}  // namespace

TEST_CASE("Concurrent accepts all commit and share transactions", "[store][group_commit]") {
  TempDir dir;
  auto opened = open_sqlite_store((dir.path / "bridge.db").string());
  REQUIRE(opened.ok());
  Store& store = **opened;
  REQUIRE(bridgebot::test::record_installed(store, "T1"));

  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto accepted = store.accept(message(std::to_string(t) + "-" + std::to_string(i)));
        if (!accepted.ok() || accepted->duplicate) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  CHECK(failures == 0);
  constexpr std::uint64_t kAccepts = kThreads * kPerThread;
  StoreStats stats = store.stats();
  CHECK(stats.write_operations == kAccepts + 1);  // and the installation record
  // Group commit really batches: fewer transactions (and fsyncs) than accepts.
  INFO("transactions: " << stats.write_transactions);
  CHECK(stats.write_transactions < kAccepts);
  auto claimed = store.claim_due(100, 10'000, "worker", kAllPartitions);
  REQUIRE(claimed.ok());
  CHECK(claimed->size() == kAccepts);
}

TEST_CASE("A failing call does not undo the others committed in its group",
          "[store][group_commit]") {
  TempDir dir;
  auto opened = open_sqlite_store((dir.path / "bridge.db").string());
  REQUIRE(opened.ok());
  Store& store = **opened;
  REQUIRE(bridgebot::test::record_installed(store, "T1"));

  // Every thread completes an item that is not in flight (an error inside the writer's
  // transaction) between good accepts; the good ones must all survive.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> good{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (store.accept(message(std::to_string(t) + "-" + std::to_string(i))).ok()) ++good;
        if (store.complete(999'999, "worker", ItemStatus::delivered, "", {}).error().code ==
            "not_found") {
          ++refused;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  CHECK(good == kThreads * kPerThread);
  CHECK(refused == kThreads * kPerThread);
  CHECK(store.claim_due(100, 10'000, "worker", kAllPartitions)->size() == kThreads * kPerThread);
}

TEST_CASE("A group of only unsynced writes (claims) commits without the fsync of synchronous=FULL",
          "[store][group_commit]") {
  TempDir dir;
  auto connection =
      sqlite::Connection::open((dir.path / "bridge.db").string(), std::chrono::seconds(1));
  REQUIRE(connection.ok());
  sqlite::GroupCommitWriter writer(std::move(*connection), 16);
  // What the writer's connection commits with, read inside the transaction.
  auto synchronous_during = [&](sqlite::Sync sync) {
    std::int64_t level = -1;
    Status written = writer.write(
        [&](sql::Session& session) -> Status {
          auto read = session.exec("PRAGMA synchronous", {},
                                   [&](const sql::Row& row) { level = row.integer(0); });
          return read ? Status::success() : Status(read.error());
        },
        sync);
    REQUIRE(written.ok());
    return level;
  };
  constexpr std::int64_t kNormal = 1, kFull = 2;
  CHECK(synchronous_during(sqlite::Sync::full) == kFull);
  CHECK(synchronous_during(sqlite::Sync::deferred) == kNormal);
  CHECK(synchronous_during(sqlite::Sync::full) == kFull);  // durable writes sync again
}

TEST_CASE("An operation that fails after writing is undone alone; the rest of its group commits",
          "[store][group_commit]") {
  TempDir dir;
  const std::string file = (dir.path / "bridge.db").string();
  auto connection = sqlite::Connection::open(file, std::chrono::seconds(1));
  REQUIRE(connection.ok());
  REQUIRE((*connection)->exec_script("CREATE TABLE notes (text TEXT NOT NULL)").ok());
  sqlite::GroupCommitWriter writer(std::move(*connection), 64);
  auto insert = [](sql::Session& session, const std::string& text) -> Status {
    auto added = session.exec("INSERT INTO notes (text) VALUES ($1)", sql::Params().text(text));
    return added ? Status::success() : Status(added.error());
  };

  // The first write holds the writer until every other caller has queued, so that they share
  // the next group: good notes, and one caller that writes its note, then fails.
  constexpr int kCallers = 8;
  std::atomic<int> calling{0};
  std::thread holder([&] {
    (void)writer.write(
        [&](sql::Session&) -> Status {
          while (calling < kCallers) std::this_thread::yield();
          std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let them queue
          return Status::success();
        },
        sqlite::Sync::full);
  });
  std::vector<Status> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      const bool fails = i == kCallers / 2;
      ++calling;
      results[static_cast<std::size_t>(i)] = writer.write(
          [&](sql::Session& session) -> Status {
            Status written = insert(session, (fails ? "bad-" : "good-") + std::to_string(i));
            if (!written.ok() || !fails) return written;
            return bridgebot::make_error("conflict", "refused after writing");
          },
          sqlite::Sync::full);
    });
  }
  for (auto& caller : callers) caller.join();
  holder.join();
  INFO("transactions: " << writer.transactions());
  REQUIRE(writer.transactions() < kCallers + 1);  // some callers shared a group

  for (int i = 0; i < kCallers; ++i) {
    CHECK(results[static_cast<std::size_t>(i)].ok() == (i != kCallers / 2));
  }
  auto reader = sqlite::Connection::open(file, std::chrono::seconds(1));
  REQUIRE(reader.ok());
  std::vector<std::string> notes;
  REQUIRE((*reader)
              ->exec("SELECT text FROM notes ORDER BY text", {},
                     [&](const sql::Row& row) { notes.push_back(row.text(0)); })
              .ok());
  CHECK(notes == std::vector<std::string>{"good-0", "good-1", "good-2", "good-3", "good-5",
                                          "good-6", "good-7"});
}

namespace {

// A writer over a fresh file with a notes table, and a second connection to read what it
// committed.
struct NotesWriter {
  TempDir dir;
  std::string file = (dir.path / "bridge.db").string();
  std::unique_ptr<sqlite::Connection> reader;
  std::unique_ptr<sqlite::GroupCommitWriter> writer;

  explicit NotesWriter(int max_group_size = 64, sqlite::Linger linger = sqlite::kLinger) {
    auto connection = sqlite::Connection::open(file, std::chrono::seconds(1));
    REQUIRE(connection.ok());
    REQUIRE((*connection)->exec_script("CREATE TABLE notes (text TEXT NOT NULL)").ok());
    writer =
        std::make_unique<sqlite::GroupCommitWriter>(std::move(*connection), max_group_size, linger);
    auto opened = sqlite::Connection::open(file, std::chrono::seconds(1));
    REQUIRE(opened.ok());
    reader = std::move(*opened);
  }
  static Status insert(sql::Session& session, const std::string& text) {
    auto added = session.exec("INSERT INTO notes (text) VALUES ($1)", sql::Params().text(text));
    return added ? Status::success() : Status(added.error());
  }
  // Queues the insert of `text`; `done` is set when its group committed.
  void submit(const std::string& text, std::promise<void>& done) {
    writer->submit([text](sql::Session& session) { return insert(session, text); },
                   sqlite::Sync::full, [&done](Status) { done.set_value(); });
  }
  // Holds the writer in an operation of its own until the returned promise is set: what is
  // submitted meanwhile queues up. Returns once the writer is inside that operation.
  std::promise<void> hold() {
    // Shared with the operation: it may still be inside set_value when this returns.
    auto started = std::make_shared<std::promise<void>>();
    auto started_future = started->get_future();
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    writer->submit(
        [started, released](sql::Session&) -> Status {
          started->set_value();
          released.wait();
          return Status::success();
        },
        sqlite::Sync::full, [](Status) {});
    started_future.wait();
    return release;
  }
  // Whether another connection sees `text`: committed.
  bool committed(const std::string& text) {
    bool found = false;
    auto read = reader->exec("SELECT 1 FROM notes WHERE text = $1", sql::Params().text(text),
                             [&](const sql::Row&) { found = true; });
    return read && found;
  }
};

}  // namespace

TEST_CASE(
    "Submitted operations are answered after their group's commit, in queue order, a "
    "failing one alone with its own error",
    "[store][group_commit]") {
  NotesWriter notes;
  // The first operation holds the writer until the others are queued: they share one group.
  std::promise<void> release = notes.hold();

  constexpr int kOperations = 6;
  constexpr int kFailing = 3;
  struct Answer {
    int index;
    Status result;
    bool committed;  // its note, seen by another connection when the callback ran
  };
  std::vector<Answer> answers;  // written by the writer thread only, read after all_done
  std::promise<void> all_done;
  const auto transactions_before = notes.writer->transactions();
  for (int i = 0; i < kOperations; ++i) {
    const std::string text = "note-" + std::to_string(i);
    notes.writer->submit(
        [i, text](sql::Session& session) -> Status {
          Status written = NotesWriter::insert(session, text);
          if (!written.ok() || i != kFailing) return written;
          return bridgebot::make_error("conflict", "refused after writing");
        },
        sqlite::Sync::full,
        [&, i, text](Status result) {
          answers.push_back({i, std::move(result), notes.committed(text)});
          if (i == kOperations - 1) all_done.set_value();
        });
  }
  release.set_value();
  all_done.get_future().wait();

  REQUIRE(answers.size() == kOperations);
  for (int i = 0; i < kOperations; ++i) {
    const Answer& answer = answers[static_cast<std::size_t>(i)];
    INFO("operation " << i);
    CHECK(answer.index == i);
    CHECK(answer.result.ok() == (i != kFailing));
    CHECK(answer.committed == (i != kFailing));
  }
  CHECK(answers[kFailing].result.error().code == "conflict");
  // The holder's group, then one group for the six.
  CHECK(notes.writer->transactions() - transactions_before == 2);
}

TEST_CASE("Destroying the writer commits every submitted operation and calls each callback",
          "[store][group_commit]") {
  NotesWriter notes;
  constexpr int kOperations = 20;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < kOperations; ++i) {
    const std::string text = "note-" + std::to_string(i);
    notes.writer->submit(
        [text](sql::Session& session) { return NotesWriter::insert(session, text); },
        sqlite::Sync::full, [&](Status result) { succeeded += result.ok() ? 1 : 0; });
  }
  notes.writer.reset();
  CHECK(succeeded == kOperations);
  for (int i = 0; i < kOperations; ++i) CHECK(notes.committed("note-" + std::to_string(i)));
}

namespace {

// Never ends within a test: a writer that lingers holds its group until it is full or stopped.
constexpr sqlite::Linger kLingerForever{4, std::chrono::hours(1)};

}  // namespace

TEST_CASE("Under load the writer holds the next group until it is full", "[store][group_commit]") {
  NotesWriter notes(4, kLingerForever);
  // Load: a group of 4, queued while the first operation held the writer.
  std::promise<void> release = notes.hold();
  std::promise<void> loaded[4];
  for (int i = 0; i < 4; ++i) notes.submit("load-" + std::to_string(i), loaded[i]);
  release.set_value();
  loaded[3].get_future().wait();
  const auto transactions_before = notes.writer->transactions();

  // The next three wait for a fourth, which fills the group: all four commit together.
  std::promise<void> held[4];
  for (int i = 0; i < 3; ++i) notes.submit("held-" + std::to_string(i), held[i]);
  CHECK_FALSE(notes.committed("held-0"));
  CHECK(notes.writer->transactions() == transactions_before);
  notes.submit("held-3", held[3]);
  held[3].get_future().wait();
  for (int i = 0; i < 4; ++i) CHECK(notes.committed("held-" + std::to_string(i)));
  CHECK(notes.writer->transactions() - transactions_before == 1);
}

TEST_CASE("Without load the writer starts each group at once", "[store][group_commit]") {
  NotesWriter notes(64, kLingerForever);
  // Each write is a group of one, under the linger's 4: none waits (a wait would not end).
  for (int i = 0; i < 5; ++i) {
    const std::string text = "alone-" + std::to_string(i);
    REQUIRE(notes.writer
                ->write([&](sql::Session& session) { return NotesWriter::insert(session, text); },
                        sqlite::Sync::full)
                .ok());
  }
  CHECK(notes.writer->transactions() == 5);
  CHECK_FALSE(sqlite::lingers_after(7, sqlite::kLinger));
  CHECK(sqlite::lingers_after(8, sqlite::kLinger));
}

TEST_CASE("Stopping ends a linger at once and commits what it held", "[store][group_commit]") {
  NotesWriter notes(64, {1, std::chrono::hours(1)});
  REQUIRE(notes.writer
              ->write([](sql::Session& session) { return NotesWriter::insert(session, "first"); },
                      sqlite::Sync::full)
              .ok());
  // After a group of one (the linger's threshold here) the next group waits to fill.
  std::promise<void> held[3];
  for (int i = 0; i < 3; ++i) notes.submit("held-" + std::to_string(i), held[i]);
  notes.writer.reset();  // would wait for the hour without the stop ending the linger
  for (int i = 0; i < 3; ++i) CHECK(notes.committed("held-" + std::to_string(i)));
}
