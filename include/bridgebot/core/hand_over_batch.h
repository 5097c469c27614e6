// Hands a burst of work items to other threads with one wake-up per receiving thread instead of
// one per item. The store writer answers a committed group's accepts in a burst: posting each
// answer to its connection's I/O thread woke that thread once per accept (a tenth of the
// writer's time, and a context switch each on the I/O side).
//
// While a HandOverBatch lives on a thread, code that hands work to another thread may add it to
// the batch, under a key naming the receiver, instead of handing it over at once; when the
// batch ends, each receiver's items go to its `deliver` function together, in the order they
// were added. A batch opened while another lives on the same thread adds nothing of its own:
// the outer one delivers everything.
//
// Thread safety: a batch belongs to the thread that made it; current() is per thread.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace bridgebot::core {

class HandOverBatch {
 public:
  using Item = std::function<void()>;
  // Hands `items` to their receiver; called once per receiver when the batch ends.
  using Deliver = std::function<void(std::vector<Item> items)>;

  HandOverBatch();
  HandOverBatch(const HandOverBatch&) = delete;
  HandOverBatch& operator=(const HandOverBatch&) = delete;
  // Delivers every receiver's items (the outermost batch of the thread only).
  ~HandOverBatch();

  // The batch living on this thread, or null.
  static HandOverBatch* current();

  // Adds `item` for the receiver `key`; make_deliver() makes the receiver's Deliver at its
  // first item only.
  template <typename MakeDeliver>
  void add(const void* key, Item item, MakeDeliver&& make_deliver) {
    std::vector<Item>* items = items_of(key);
    if (items == nullptr) items = &receiver(key, make_deliver());
    items->push_back(std::move(item));
  }

 private:
  std::vector<Item>* items_of(const void* key);
  std::vector<Item>& receiver(const void* key, Deliver deliver);

  struct Receiver {
    const void* key;
    Deliver deliver;
    std::vector<Item> items;
  };
  bool outermost_;
  std::vector<Receiver> receivers_;  // few: one per I/O thread
};

}  // namespace bridgebot::core
