#include <catch2/catch.hpp>
#include <future>

#include "bridge_fakes.h"
#include "bridgebot/bridge/acceptor.h"
#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/temp_dir.h"

using namespace bridgebot;

namespace {

slack::AuthTestResult acme_auth(std::vector<std::string> scopes) {
  slack::AuthTestResult r;
  r.url = "https://acme.slack.com/";
  r.team = "Acme";
  r.team_id = "T0001";
  r.user_id = "UBOT";
  r.bot_id = "B1";
  r.scopes = std::move(scopes);
  return r;
}

struct Fixture {
  test::TempDir dir{"bridge_accept"};
  std::unique_ptr<store::Store> db;
  bridge_test::FakeSlackApi slack;
  core::SecretBox box{core::random_bytes(32)};
  core::FakeClock clock;
  core::Config config;
  bridge::InstallationService installs{*open_db(), slack, box, clock};
  int wakeups = 0;
  bridge::Acceptor acceptor{*db, installs, config, clock, [this] { ++wakeups; }};

  store::Store* open_db() {
    db = store::open_sqlite_store(dir.file("test.db")).value();
    return db.get();
  }
  void install_acme() {
    slack.auth_result = acme_auth({"users:read", "users:read.email", "chat:write"});
    REQUIRE(installs.install_bot_token("xoxb-acme-token", "acme.slack.com").ok());
  }
};

bridge::PlatformMessage message(std::string id, std::vector<bridge::Mention> mentions) {
  bridge::PlatformMessage m;
  m.id = std::move(id);
  m.sender = {"p-alice", "alice@example.com", "Alice", "", false};
  m.mentions = std::move(mentions);
  m.text = "hello";
  return m;
}

const bridge::Mention kBob{bridge::MentionType::user, "p-bob", "bob@example.com", "Bob"};

// Takes every item an accept offers, and counts what the Acceptor reserved and handed over.
class RecordingHandoff final : public bridge::AcceptHandoff {
 public:
  store::ClaimAtAccept reserve(std::string_view, int items) override {
    ++reserves;
    return {"this-process", store::kAllPartitions, items};
  }
  void hand_over(const store::ClaimAtAccept&, std::vector<store::OutboxItem> claimed,
                 std::shared_ptr<const bridge::MessagePayload> message) override {
    ++hand_overs;
    handed += static_cast<int>(claimed.size());
    std::lock_guard lock(mutex);
    last_message = std::move(message);
  }
  std::atomic<int> reserves{0};
  std::atomic<int> hand_overs{0};
  std::atomic<int> handed{0};
  std::mutex mutex;
  std::shared_ptr<const bridge::MessagePayload> last_message;  // guarded by mutex
};

// The answer of the accept that calls back, once it came (from the store's writer thread).
Result<bridge::AcceptOutcome> accept_with_callback(bridge::Acceptor& acceptor,
                                                   bridge::PlatformMessage m) {
  std::promise<Result<bridge::AcceptOutcome>> answered;
  auto answer = answered.get_future();
  acceptor.accept_message(std::move(m), [&answered](Result<bridge::AcceptOutcome> outcome) {
    answered.set_value(std::move(outcome));
  });
  return answer.get();
}

}  // namespace

TEST_CASE("manual install checks domain and scopes and seals the token", "[bridge][install]") {
  Fixture f;
  f.slack.auth_result = acme_auth({"users:read", "chat:write"});
  auto missing = f.installs.install_bot_token("xoxb-acme-token", "acme");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "missing_scopes");
  CHECK(missing.error().message.find("users:read.email") != std::string::npos);

  f.slack.auth_result = acme_auth({"users:read", "users:read.email", "chat:write"});
  auto mismatch = f.installs.install_bot_token("xoxb-acme-token", "https://other.slack.com/");
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().code == "domain_mismatch");
  CHECK(mismatch.error().field == "workspace_domain");

  auto bad_domain = f.installs.install_bot_token("xoxb-acme-token", "acme.example.com");
  CHECK(bad_domain.error().code == "invalid_domain");

  auto ok = f.installs.install_bot_token("xoxb-acme-token", "ACME.slack.com/home");
  REQUIRE(ok.ok());
  std::string sealed(ok->bot_token.begin(), ok->bot_token.end());
  CHECK(sealed.find("xoxb") == std::string::npos);
  auto active = f.installs.active("T0001");
  REQUIRE(active.ok());
  CHECK(active->bot_token == "xoxb-acme-token");
  CHECK(active->domain == "acme");
  CHECK(f.installs.active_team_ids() == std::vector<std::string>{"T0001"});
}

TEST_CASE("team_id may be omitted only with exactly one installation", "[bridge][accept]") {
  Fixture f;
  auto none = f.acceptor.accept_message(message("m1", {kBob}));
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == "team_id_required");

  f.install_acme();
  auto unknown = f.acceptor.accept_message([] {
    auto m = message("m2", {kBob});
    m.team_id = "T9999";
    return m;
  }());
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == "unknown_team");

  auto queued = f.acceptor.accept_message(message("m3", {kBob}));
  REQUIRE(queued.ok());
  CHECK(queued->status == "queued");
}

TEST_CASE("accepted messages are durable, ignored ones recorded, repeats are duplicates",
          "[bridge][accept]") {
  Fixture f;
  f.install_acme();
  auto queued = f.acceptor.accept_message(message("m1", {kBob}));
  REQUIRE(queued.ok());
  CHECK(queued->status == "queued");
  CHECK(f.wakeups == 1);
  auto status = f.db->source_status(store::SourceKind::message, "m1");
  REQUIRE(status.ok());
  REQUIRE(status->has_value());
  CHECK((*status)->status == store::ItemStatus::queued);
  auto items = f.db->claim_due(f.clock.unix_seconds(), 10, "test", store::kAllPartitions);
  REQUIRE(items->size() == 1);  // the sender copy waits behind the recipient's DM
  CHECK((*items)[0].role == "recipient");
  CHECK((*items)[0].destination == "p-bob");

  auto again = f.acceptor.accept_message(message("m1", {kBob}));
  CHECK(again->status == "duplicate");
  CHECK(f.wakeups == 1);

  auto ignored =
      f.acceptor.accept_message(message("m2", {kBob, {bridge::MentionType::all, "", "", ""}}));
  CHECK(ignored->status == "ignored");
  CHECK(ignored->reason == "group_mention");
  auto ignored_status = f.db->source_status(store::SourceKind::message, "m2");
  CHECK((*ignored_status)->status == store::ItemStatus::ignored);
  CHECK((*ignored_status)->reason == "group_mention");
}

TEST_CASE("an external sender gets no copy item", "[bridge][accept]") {
  Fixture f;
  f.install_acme();
  auto m = message("m1", {kBob});
  m.sender.external = true;
  REQUIRE(f.acceptor.accept_message(m).ok());
  auto first = f.db->claim_due(f.clock.unix_seconds(), 10, "test", store::kAllPartitions);
  REQUIRE(first->size() == 1);
  REQUIRE(f.db->complete((*first)[0].item_id, "test", store::ItemStatus::delivered, "", {}).ok());
  CHECK(f.db->claim_due(f.clock.unix_seconds(), 10, "test", store::kAllPartitions)->empty());
}

TEST_CASE("the recipient's item and the sender's copy carry the same payload and order key",
          "[bridge][accept]") {
  Fixture f;
  f.install_acme();
  REQUIRE(f.config.relay.copy_to_sender);
  REQUIRE(f.acceptor.accept_message(message("m1", {kBob})).ok());
  auto first = f.db->claim_due(f.clock.unix_seconds(), 10, "test", store::kAllPartitions);
  REQUIRE(first->size() == 1);
  REQUIRE(f.db->complete((*first)[0].item_id, "test", store::ItemStatus::delivered, "", {}).ok());
  auto second = f.db->claim_due(f.clock.unix_seconds(), 10, "test", store::kAllPartitions);
  REQUIRE(second->size() == 1);
  const store::OutboxItem& recipient = (*first)[0];
  const store::OutboxItem& copy = (*second)[0];
  CHECK(recipient.role == "recipient");
  CHECK(recipient.destination == "p-bob");
  CHECK(copy.role == "sender_copy");
  CHECK(copy.destination == "p-alice");
  CHECK(recipient.ordering_key == "T0001:p-bob");
  CHECK(copy.ordering_key == recipient.ordering_key);
  CHECK(copy.payload_json == recipient.payload_json);
  auto payload = bridge::decode_message_payload(copy.payload_json);
  REQUIRE(payload.ok());
  CHECK(payload->message.id == "m1");
  CHECK(payload->message.text == "hello");
  CHECK(payload->message.sender.id == "p-alice");
  CHECK(payload->recipient.id == "p-bob");
  CHECK(payload->recipient.email == "bob@example.com");
}

TEST_CASE("notifications fan out to every matching destination or fail with no_route",
          "[bridge][accept]") {
  Fixture f;
  f.install_acme();
  f.config.routes = {{{"helpdesk"}, {}, {{"C1", "", false}}},
                     {{}, {"critical"}, {{"", "https://hooks.example/x", false}}}};
  bridge::PlatformNotification n;
  n.id = "evt-1";
  n.route = "helpdesk";
  n.title = "Ticket";
  n.severity = "critical";
  auto queued = f.acceptor.accept_notification(n);
  REQUIRE(queued.ok());
  auto items = f.db->claim_due(f.clock.unix_seconds(), 10, "test", store::kAllPartitions);
  REQUIRE(items->size() == 2);
  CHECK((*items)[0].destination == "channel:C1");
  CHECK((*items)[1].destination.rfind("webhook:", 0) == 0);

  n.id = "evt-2";
  n.route = "billing";
  n.severity = "info";
  auto none = f.acceptor.accept_notification(n);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == "no_route");
}

TEST_CASE("an accept answered through a callback keeps the blocking accept's rules",
          "[bridge][accept]") {
  Fixture f;
  f.install_acme();
  f.config.relay.copy_to_sender = false;  // one item per message
  REQUIRE(f.acceptor.accepts_without_blocking("T0001"));
  CHECK_FALSE(f.acceptor.accepts_without_blocking(""));  // finding the workspace reads the store
  RecordingHandoff handoff;
  bridge::Acceptor claiming{*f.db, f.installs, f.config, f.clock, [&f] { ++f.wakeups; }, &handoff};
  auto to_acme = [](std::string id, std::vector<bridge::Mention> mentions) {
    auto m = message(std::move(id), std::move(mentions));
    m.team_id = "T0001";
    return m;
  };

  // Claimed at accept: handed over once, after the commit; nothing left for the claimer.
  auto queued = accept_with_callback(claiming, to_acme("m1", {kBob}));
  REQUIRE(queued.ok());
  CHECK(queued->status == "queued");
  CHECK(handoff.reserves == 1);
  CHECK(handoff.hand_overs == 1);
  CHECK(handoff.handed == 1);
  CHECK(f.wakeups == 0);

  // A repeat, and a workspace never installed: the reservation is still handed back, empty.
  auto again = accept_with_callback(claiming, to_acme("m1", {kBob}));
  REQUIRE(again.ok());
  CHECK(again->status == "duplicate");
  auto elsewhere = message("m2", {kBob});
  elsewhere.team_id = "T9";
  auto unknown = accept_with_callback(claiming, elsewhere);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == "unknown_team");
  CHECK(handoff.reserves == 3);
  CHECK(handoff.hand_overs == 3);
  CHECK(handoff.handed == 1);

  // Ignored: recorded, nothing reserved. Without a handoff, queued items wake the claimer.
  auto ignored =
      accept_with_callback(claiming, to_acme("m3", {kBob, {bridge::MentionType::all, "", "", ""}}));
  REQUIRE(ignored.ok());
  CHECK(ignored->status == "ignored");
  CHECK(handoff.reserves == 3);
  auto left_queued = accept_with_callback(f.acceptor, to_acme("m4", {kBob}));
  REQUIRE(left_queued.ok());
  CHECK(left_queued->status == "queued");
  CHECK(f.wakeups == 1);
}

TEST_CASE("the items an accept takes are handed over with the message their payload encodes",
          "[bridge][accept]") {
  Fixture f;
  f.install_acme();
  RecordingHandoff handoff;
  bridge::Acceptor claiming{*f.db, f.installs, f.config, f.clock, [&f] { ++f.wakeups; }, &handoff};
  auto to_acme = [](std::string id) {
    auto m = message(std::move(id), {kBob});
    m.team_id = "T0001";
    return m;
  };
  auto handed_message = [&handoff] {
    std::lock_guard lock(handoff.mutex);
    return handoff.last_message;
  };

  SECTION("blocking") {
    REQUIRE(claiming.accept_message(to_acme("m1")).ok());
  }
  SECTION("answered through a callback") {
    REQUIRE(accept_with_callback(claiming, to_acme("m1")).ok());
  }
  REQUIRE(handoff.handed == 1);  // the sender's copy waits behind the recipient's DM
  const auto message = handed_message();
  REQUIRE(message);
  // The message and recipient the payload was encoded from.
  const bridge::MessagePayload expected{to_acme("m1"), kBob};
  CHECK(bridge::encode_message_payload(*message) == bridge::encode_message_payload(expected));

  // A notification's items carry no relayed message.
  f.config.routes = {{{"deploys"}, {}, {{"C1", "", false}}}};
  bridge::PlatformNotification n;
  n.id = "n1";
  n.team_id = "T0001";
  n.route = "deploys";
  n.title = "Deployed";
  REQUIRE(claiming.accept_notification(n).ok());
  CHECK(handed_message() == nullptr);
}
