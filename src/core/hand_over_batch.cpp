#include "bridgebot/core/hand_over_batch.h"

#include <algorithm>

namespace bridgebot::core {
namespace {

thread_local HandOverBatch* current_batch = nullptr;

}  // namespace

HandOverBatch::HandOverBatch() : outermost_(current_batch == nullptr) {
  if (outermost_) current_batch = this;
}

HandOverBatch::~HandOverBatch() {
  if (!outermost_) return;
  // Cleared first: a deliver function that hands over more work does so at once.
  current_batch = nullptr;
  for (Receiver& receiver : receivers_) receiver.deliver(std::move(receiver.items));
}

HandOverBatch* HandOverBatch::current() {
  return current_batch;
}

std::vector<HandOverBatch::Item>* HandOverBatch::items_of(const void* key) {
  HandOverBatch& outer = outermost_ ? *this : *current_batch;
  auto found = std::find_if(outer.receivers_.begin(), outer.receivers_.end(),
                            [key](const Receiver& receiver) { return receiver.key == key; });
  return found == outer.receivers_.end() ? nullptr : &found->items;
}

std::vector<HandOverBatch::Item>& HandOverBatch::receiver(const void* key, Deliver deliver) {
  HandOverBatch& outer = outermost_ ? *this : *current_batch;
  outer.receivers_.push_back({key, std::move(deliver), {}});
  return outer.receivers_.back().items;
}

}  // namespace bridgebot::core
