// The reader connections of one SQLite file, lent one per read: reads on different threads (the
// delivery loops, the HTTP API, the claimer) run at the same time instead of queueing behind one
// connection. With WAL each read sees the latest commit, whichever connection runs it.
//
// The pool starts with one open connection and opens more, up to `max_size`, only while every
// open one is busy. If opening another fails (out of file descriptors, say), the pool stops
// growing and reads wait for a connection to come back: a store that works keeps working.
//
// Memory: each connection keeps its own page cache (SQLite's default cache_size, up to ~2 MB,
// filled only by pages it reads) and its own prepared statements.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "bridgebot/core/result.h"
#include "sql_session.h"
#include "sqlite_connection.h"

namespace bridgebot::store::sqlite {

class ReaderPool {
 public:
  using Opener = std::function<Result<std::unique_ptr<Connection>>()>;

  ReaderPool(std::unique_ptr<Connection> first, Opener open, int max_size);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // Runs `work` on a connection no other read is using; waits only when all are busy.
  Status read(const sql::Database::Work& work);

  // How many connections are open (for tests).
  int size() const;

 private:
  std::unique_ptr<Connection> acquire();
  void release(std::unique_ptr<Connection> connection);

  const Opener open_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  int size_ = 1;                                   // open or being opened; guarded by mutex_
  int max_size_;                                   // guarded by mutex_
};

}  // namespace bridgebot::store::sqlite
