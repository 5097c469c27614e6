// The dispatcher's threads (claimer, workers, outcome recorders) delivering in batches: nothing
// is lost or stranded, and each recipient still gets their messages in order.
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <thread>

#include "bridge_fakes.h"
#include "support/failing_store.h"
#include "support/wait_until.h"

using namespace bridge_test;
using bridgebot::store::ItemStatus;
using bridgebot::test::wait_until;
using namespace std::chrono_literals;

namespace {

// Platform user "p-<n>" is Slack user "U<n>".
void link_people(BridgeFixture& f, int count) {
  for (int n = 0; n < count; ++n) {
    const std::string id = std::to_string(n);
    f.link("p-" + id, "U" + id, "person" + id + "@example.com");
  }
}

bridge::PlatformMessage message_to(int person, const std::string& id) {
  auto m = BridgeFixture::message(id);
  const std::string n = std::to_string(person);
  m.mentions = {{bridge::MentionType::user, "p-" + n, "person" + n + "@example.com", "P" + n}};
  m.text = id;
  return m;
}

bool all_delivered(BridgeFixture& f, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (f.status(id).status != ItemStatus::delivered) return false;
  }
  return true;
}

// A gate a test opens once: threads that reach it wait until then.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    reached_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void wait_reached() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return reached_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool reached_ = false;
  bool open_ = false;
};

}  // namespace

TEST_CASE("with the threads running, an outcome the store failed to record lands later",
          "[bridge][dispatcher][store_failure][threads]") {
  BridgeFixture f;
  auto failing = std::make_unique<store::FailingStore>(std::move(f.store));
  auto& store = *failing;
  f.store = std::move(failing);
  f.options.store_retry = {1ms, 2.0, 5ms};
  f.options.workers = 4;
  link_people(f, 2);
  f.accept(message_to(1, "m1"), false);
  f.accept(message_to(1, "m2"), false);  // same recipient: waits until m1's outcome is recorded
  store.fail_completes(3);

  f.dispatch().start();
  const bool delivered = wait_until([&] { return all_delivered(f, {"m1", "m2"}); }, 10s);
  f.dispatch().stop();

  CHECK(delivered);
  CHECK(f.slack.posts().size() == 2);  // each once: a failed record is not a failed delivery
}

TEST_CASE("stop() in the middle of a batch: the item being sent is recorded, the rest go back",
          "[bridge][dispatcher][threads]") {
  BridgeFixture f;
  f.options.workers = 1;
  f.options.claim_batch = 64;  // one claim takes all ten
  link_people(f, 10);
  std::vector<std::string> ids;
  for (int n = 0; n < 10; ++n) {
    ids.push_back("m" + std::to_string(n));
    f.accept(message_to(n, ids.back()), false);  // ten recipients: all due at once
  }
  Gate in_slack_call;
  std::atomic<bool> first{true};
  f.slack.before_post = [&] {
    if (first.exchange(false)) in_slack_call.wait();
  };

  f.dispatch().start();
  in_slack_call.wait_reached();  // the worker is inside its first Slack call
  std::atomic<bool> stopping{false};
  std::thread stopper([&] {
    stopping = true;
    f.dispatch().stop();
  });
  while (!stopping) std::this_thread::yield();
  std::this_thread::sleep_for(50ms);  // let stop() begin before the call returns
  in_slack_call.open();
  stopper.join();

  // The call that was under way landed and was recorded; nothing claimed is left in flight:
  // every other item can be claimed again right away, as it was.
  const auto posted = f.slack.posts().size();
  CHECK(posted >= 1);
  CHECK(posted < ids.size());
  CHECK(f.status("m0").status == ItemStatus::delivered);
  auto again = f.store->claim_due(f.clock.unix_seconds(), 100, "next-start", store::kAllPartitions);
  REQUIRE(again.ok());
  CHECK(again->size() == ids.size() - posted);
  for (const auto& item : *again) CHECK(item.attempts == 0);
}

TEST_CASE("with big batches and many workers each recipient gets their messages in order",
          "[bridge][dispatcher][threads]") {
  BridgeFixture f;
  f.options.workers = 8;
  f.options.recorders = 3;
  f.options.claim_batch = 256;
  constexpr int kPeople = 4;
  constexpr int kEach = 15;
  link_people(f, kPeople);
  std::vector<std::string> ids;
  for (int i = 0; i < kEach; ++i) {
    for (int person = 0; person < kPeople; ++person) {
      ids.push_back(std::to_string(person) + "-" + std::to_string(i));
      f.accept(message_to(person, ids.back()), false);
    }
  }

  f.dispatch().start();
  const bool delivered = wait_until([&] { return all_delivered(f, ids); }, 20s);
  f.dispatch().stop();
  REQUIRE(delivered);

  std::map<std::string, std::vector<std::string>> texts_by_channel;
  for (const auto& post : f.slack.posts()) {
    texts_by_channel[post.request.channel].push_back(post.request.text);
  }
  REQUIRE(texts_by_channel.size() == kPeople);
  for (int person = 0; person < kPeople; ++person) {
    const auto& texts = texts_by_channel["U" + std::to_string(person)];
    REQUIRE(texts.size() == kEach);
    for (int i = 0; i < kEach; ++i) {
      const std::string id = std::to_string(person) + "-" + std::to_string(i);
      INFO("recipient " << person << ", message " << i);
      CHECK(texts[static_cast<std::size_t>(i)].find("\n" + id + "\n") != std::string::npos);
    }
  }
}

TEST_CASE("a recipient held back by pacing holds no thread: others' messages go out meanwhile",
          "[bridge][dispatcher][threads]") {
  BridgeFixture f;
  f.options.workers = 1;  // one thread for every delivery
  link_people(f, 11);
  std::vector<std::string> held;
  for (int n = 0; n < 10; ++n) {
    held.push_back("held-" + std::to_string(n));
    f.slack.paced_channels.insert("U" + std::to_string(n));
    f.accept(message_to(n, held.back()), false);
  }
  f.accept(message_to(10, "free"), false);

  f.dispatch().start();
  const bool delivered = wait_until([&] { return all_delivered(f, {"free"}); }, 10s);
  CHECK(delivered);
  CHECK(f.slack.posts().size() == 1);

  // Stopping cuts the pacing waits short: those items were not sent and go back as they were.
  f.dispatch().stop();
  CHECK(f.slack.posts().size() == 1);
  auto again = f.store->claim_due(f.clock.unix_seconds(), 100, "next-start", store::kAllPartitions);
  REQUIRE(again.ok());
  CHECK(again->size() == held.size());
  for (const auto& item : *again) CHECK(item.attempts == 0);
}

TEST_CASE(
    "a recipient whose directory lookup is held back holds no thread, and a stop hands it "
    "back unsent",
    "[bridge][dispatcher][threads]") {
  BridgeFixture f;
  f.options.workers = 1;  // one thread for every delivery
  f.options.relay.require_recipient_link = false;
  link_people(f, 1);  // person 0 is linked; 1..10 are found by email, each lookup held back
  std::vector<std::string> held;
  for (int n = 1; n <= 10; ++n) {
    const std::string email = "person" + std::to_string(n) + "@example.com";
    f.slack.add_user(human("U" + std::to_string(n), email));
    f.slack.paced_emails.insert(email);
    held.push_back("held-" + std::to_string(n));
    f.accept(message_to(n, held.back()), false);
  }
  f.accept(message_to(0, "free"), false);

  f.dispatch().start();
  const bool delivered = wait_until([&] { return all_delivered(f, {"free"}); }, 10s);
  CHECK(delivered);
  CHECK(f.slack.posts().size() == 1);

  // Stopping cuts the lookups' waits short: nothing was cached or sent for those items, and
  // they go back as they were.
  f.dispatch().stop();
  CHECK(f.slack.posts().size() == 1);
  CHECK(f.slack.lookup_calls() == 0);
  auto again = f.store->claim_due(f.clock.unix_seconds(), 100, "next-start", store::kAllPartitions);
  REQUIRE(again.ok());
  CHECK(again->size() == held.size());
  for (const auto& item : *again) CHECK(item.attempts == 0);
}
