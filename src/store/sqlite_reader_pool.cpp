#include "sqlite_reader_pool.h"

#include <algorithm>
#include <utility>

namespace bridgebot::store::sqlite {

ReaderPool::ReaderPool(std::unique_ptr<Connection> first, Opener open, int max_size)
    : open_(std::move(open)), max_size_(std::max(1, max_size)) {
  idle_.push_back(std::move(first));
}

Status ReaderPool::read(const sql::Database::Work& work) {
  std::unique_ptr<Connection> connection = acquire();
  // Returned however `work` ends, so a throwing read cannot shrink the pool.
  struct Return {
    ReaderPool& pool;
    std::unique_ptr<Connection>& connection;
    ~Return() { pool.release(std::move(connection)); }
  } returned{*this, connection};
  return work(*connection);
}

int ReaderPool::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

std::unique_ptr<Connection> ReaderPool::acquire() {
  std::unique_lock lock(mutex_);
  if (idle_.empty() && size_ < max_size_) {
    ++size_;
    lock.unlock();  // opening takes a while; other reads go on meanwhile
    auto opened = open_();
    if (opened) return std::move(*opened);
    lock.lock();
    --size_;
    max_size_ = size_;  // stop growing: each later busy read would pay for another failed open
  }
  returned_.wait(lock, [&] { return !idle_.empty(); });
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void ReaderPool::release(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace bridgebot::store::sqlite
