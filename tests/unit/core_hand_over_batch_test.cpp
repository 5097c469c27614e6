#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "bridgebot/core/hand_over_batch.h"

using bridgebot::core::HandOverBatch;

namespace {

// A receiver that records each delivery it gets: the items' labels, in order.
struct Receiver {
  std::vector<std::vector<std::string>> deliveries;
  std::string* log = nullptr;

  void add(const std::string& label) {
    HandOverBatch::current()->add(
        this, [this, label] { log_label(label); },
        [this] {
          return [this](std::vector<HandOverBatch::Item> items) {
            deliveries.emplace_back();
            for (auto& item : items) item();
          };
        });
  }
  void log_label(const std::string& label) { deliveries.back().push_back(label); }
};

}  // namespace

TEST_CASE("A hand-over batch gives each receiver its items together, in order, when it ends",
          "[core][hand_over]") {
  CHECK(HandOverBatch::current() == nullptr);
  Receiver first, second;
  {
    HandOverBatch batch;
    REQUIRE(HandOverBatch::current() == &batch);
    first.add("a");
    second.add("x");
    first.add("b");
    first.add("c");
    // Nothing is handed over while the batch lives.
    CHECK(first.deliveries.empty());
    CHECK(second.deliveries.empty());
  }
  CHECK(HandOverBatch::current() == nullptr);
  CHECK(first.deliveries == std::vector<std::vector<std::string>>{{"a", "b", "c"}});
  CHECK(second.deliveries == std::vector<std::vector<std::string>>{{"x"}});
}

TEST_CASE("A batch opened inside another leaves the handing over to the outer one",
          "[core][hand_over]") {
  Receiver receiver;
  {
    HandOverBatch outer;
    receiver.add("a");
    {
      HandOverBatch inner;
      CHECK(HandOverBatch::current() == &outer);
      receiver.add("b");
    }
    CHECK(receiver.deliveries.empty());
  }
  CHECK(receiver.deliveries == std::vector<std::vector<std::string>>{{"a", "b"}});
}
