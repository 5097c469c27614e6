// Relayed messages end to end: accepted items → dispatcher → what Slack was asked to post and
// what GET /v1/messages/{id} would report.
#include <catch2/catch.hpp>
#include <thread>

#include "bridge_fakes.h"
#include "support/wait_until.h"

using namespace bridge_test;
using bridgebot::store::ItemStatus;

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

const store::Delivery* delivery_of(const store::SourceStatus& status, const std::string& role) {
  for (const auto& d : status.deliveries) {
    if (d.role == role) return &d;
  }
  return nullptr;
}

// The installation gains im:write (DMs go through conversations.open); alice and bob link.
void grant_im_write_and_link_both(BridgeFixture& f) {
  auto installation = BridgeFixture::installation();
  installation.scopes.push_back("im:write");
  f.installations.install(installation);
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
}

}  // namespace

TEST_CASE("a linked sender's mention reaches the recipient from the bot, with a copy to the sender",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.accept(BridgeFixture::message());
  f.drain();

  const auto posts = f.slack.posts();
  REQUIRE(posts.size() == 2);
  CHECK(posts[0].auth.token == kBotToken);
  CHECK(posts[0].request.channel == "U2");  // no im:write: the user id is the DM
  CHECK(starts_with(posts[0].request.text,
                    "<@U1> mentioned you in Design floor:\n@Bob can you look"));
  CHECK(posts[0].request.username.empty());  // no chat:write.customize
  CHECK(posts[0].request.icon_url.empty());
  CHECK(posts[1].request.channel == "U1");
  CHECK(starts_with(posts[1].request.text, "you \u2192 <@U2> in Design floor:"));

  const auto status = f.status("msg-1");
  CHECK(status.status == ItemStatus::delivered);
  const auto* to_bob = delivery_of(status, "recipient");
  REQUIRE(to_bob);
  CHECK(to_bob->slack_user == "U2");
  CHECK(to_bob->channel == "D2");
  CHECK_FALSE(to_bob->ts.empty());
  const auto* copy = delivery_of(status, "sender_copy");
  REQUIRE(copy);
  CHECK(copy->slack_user == "U1");
  CHECK(f.dispatch().metrics().delivered == 2);
}

TEST_CASE("the sender's name and avatar show only with chat:write.customize and sender_identity",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  auto installation = BridgeFixture::installation();
  installation.scopes.push_back("chat:write.customize");

  SECTION("granted and allowed") {
    f.installations.install(installation);
    f.accept(BridgeFixture::message());
    f.drain();
    CHECK(f.slack.posts().at(0).request.username == "Alice Ng");
    CHECK(f.slack.posts().at(0).request.icon_url == "https://platform.example/a.png");
  }
  SECTION("granted but turned off by the admin") {
    installation.sender_identity = false;
    f.installations.install(installation);
    f.accept(BridgeFixture::message());
    f.drain();
    CHECK(f.slack.posts().at(0).request.username.empty());
  }
}

TEST_CASE("with im:write the DM channel comes from conversations.open", "[bridge][relay]") {
  BridgeFixture f;
  grant_im_write_and_link_both(f);
  f.accept(BridgeFixture::message());
  f.drain();
  CHECK(f.slack.opened_dms() == std::vector<std::string>{"U2", "U1"});
  CHECK(f.slack.posts().at(0).request.channel == "D2");
  CHECK(f.slack.posts().at(1).request.channel == "D1");
}

TEST_CASE("a repeat recipient's DM conversation is opened once", "[bridge][relay]") {
  BridgeFixture f;
  grant_im_write_and_link_both(f);
  for (const char* id : {"msg-1", "msg-2", "msg-3"}) f.accept(BridgeFixture::message(id));
  f.drain();
  CHECK(f.slack.opened_dms() == std::vector<std::string>{"U2", "U1"});
  REQUIRE(f.slack.posts().size() == 6);
  CHECK(f.slack.posts().at(4).request.channel == "D2");
  CHECK(f.status("msg-3").status == ItemStatus::delivered);
}

TEST_CASE("a remembered DM conversation Slack says is gone is opened afresh, not failed",
          "[bridge][relay]") {
  BridgeFixture f;
  grant_im_write_and_link_both(f);
  f.accept(BridgeFixture::message("msg-1"), false);
  f.drain();
  f.slack.fail_next_posts({slack_error("chat.postMessage", "channel_not_found")});
  f.accept(BridgeFixture::message("msg-2"), false);
  f.drain();
  CHECK(f.status("msg-2").status == ItemStatus::delivered);
  CHECK(f.slack.opened_dms() == std::vector<std::string>{"U2", "U2"});
}

TEST_CASE("an unlinked sender falls back to a bot message naming them, without a copy",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  // Alice is in Slack, but never linked: she is still named in plain text.
  f.slack.add_user(human("U1", "alice@example.com"));
  f.accept(BridgeFixture::message());
  f.drain();

  REQUIRE(f.slack.posts().size() == 1);
  CHECK(starts_with(f.slack.posts()[0].request.text, "Alice Ng mentioned you in Design floor:"));
  const auto status = f.status("msg-1");
  CHECK(status.status == ItemStatus::delivered);
  CHECK(status.deliveries.size() == 1);
  CHECK(f.dispatch().metrics().ignored == 1);
}

TEST_CASE("an external sender is a guest even when linked", "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  auto m = BridgeFixture::message();
  m.sender.external = true;
  f.accept(m);
  f.drain();
  REQUIRE(f.slack.posts().size() == 1);
  CHECK(starts_with(f.slack.posts()[0].request.text, "Alice Ng (guest) mentioned you"));
  CHECK(f.slack.posts()[0].request.text.find("<@U1>") == std::string::npos);
}

TEST_CASE("a connected sender posts with their own token into the DM with the recipient",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.installations.connect_user(kTeam, "p-alice", "xoxp-alice");
  f.accept(BridgeFixture::message());
  f.drain();

  const auto posts = f.slack.posts();
  REQUIRE(posts.size() == 1);  // no copy: it is already in Alice's own DM
  const auto& post = posts[0];
  CHECK(post.auth.token == "xoxp-alice");
  CHECK(post.request.channel == "U2");
  CHECK(starts_with(post.request.text, "@Bob can you look"));
  CHECK(f.status("msg-1").status == ItemStatus::delivered);

  SECTION("a revoked user token does not lose the message: the bot sends it") {
    f.slack.fail_token("xoxp-alice", "token_revoked");
    f.accept(BridgeFixture::message("msg-2"));
    f.drain();
    REQUIRE(f.slack.posts().size() == 2);
    CHECK(f.slack.posts()[1].auth.token == kBotToken);
    CHECK(starts_with(f.slack.posts()[1].request.text, "<@U1> mentioned you"));
  }
}

TEST_CASE("recipients outside Slack or unlinked are undeliverable with a reason",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");

  SECTION("no Slack user has the email") {
    f.accept(BridgeFixture::message());
    f.drain();
    const auto status = f.status("msg-1");
    CHECK(status.status == ItemStatus::undeliverable);
    CHECK(status.reason == "recipient_not_in_slack");
    CHECK(f.slack.posts().empty());  // not even the sender's copy
  }
  SECTION("in Slack but not linked, while links are required") {
    f.slack.add_user(human("U2", "bob@example.com"));
    f.accept(BridgeFixture::message());
    f.drain();
    CHECK(f.status("msg-1").reason == "recipient_not_linked");
    CHECK(f.slack.posts().empty());
  }
  SECTION("in Slack, not linked, links not required: the email match is enough") {
    f.options.relay.require_recipient_link = false;
    f.slack.add_user(human("U2", "bob@example.com"));
    f.accept(BridgeFixture::message());
    f.drain();
    CHECK(f.status("msg-1").status == ItemStatus::delivered);
    CHECK(f.slack.posts().at(0).request.channel == "U2");
  }
}

TEST_CASE("an item of a workspace no longer installed fails with unknown_team", "[bridge][relay]") {
  BridgeFixture f;
  f.accept(BridgeFixture::message());
  f.installations.uninstall(kTeam);
  f.drain();
  CHECK(f.status("msg-1").status == ItemStatus::failed);
  CHECK(f.status("msg-1").reason == "unknown_team");
}

TEST_CASE("a transient error is retried after a backoff, then delivered", "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.slack.fail_next_posts({slack_error("chat.postMessage", "", 503)});
  f.accept(BridgeFixture::message());
  f.drain();

  CHECK(f.slack.posts().empty());
  CHECK(f.status("msg-1").status == ItemStatus::queued);
  CHECK(f.dispatch().metrics().retried == 1);
  // Jitter 0 on a 2 s initial backoff: half of it, 1 s.
  f.clock.advance(std::chrono::seconds(1));
  f.drain();
  CHECK(f.status("msg-1").status == ItemStatus::delivered);
  CHECK(f.slack.posts().size() == 2);
}

TEST_CASE("a rate limit is retried exactly after Retry-After", "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.slack.fail_next_posts(
      {slack_error("chat.postMessage", "ratelimited", 429, std::chrono::seconds(30))});
  f.accept(BridgeFixture::message());
  f.drain();

  f.clock.advance(std::chrono::seconds(29));
  f.drain();
  CHECK(f.slack.posts().empty());
  f.clock.advance(std::chrono::seconds(1));
  f.drain();
  CHECK(f.slack.posts().size() == 2);
  CHECK(f.status("msg-1").status == ItemStatus::delivered);
}

TEST_CASE("a lookup our own pacing held back is retried at its slot without costing an attempt",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.slack.add_user(human("U2", "bob@example.com"));  // found by email, not linked
  f.options.relay.require_recipient_link = false;
  Error paced = slack_error("users.lookupByEmail", "ratelimited", 200, std::chrono::seconds(40));
  paced.not_attempted = true;
  Error told = slack_error("users.lookupByEmail", "ratelimited", 429, std::chrono::seconds(5));
  f.slack.fail_next_lookups({paced, told});
  f.accept(BridgeFixture::message(), false);

  // The attempts of the item when it is due `later` from now (it is handed straight back);
  // -1 while it is not due.
  auto attempts_due_in = [&](std::chrono::seconds later) {
    f.clock.advance(later);
    auto due = f.store->claim_due(f.clock.unix_seconds(), 1, "probe", store::kAllPartitions);
    REQUIRE(due.ok());
    if (due->empty()) return -1;
    const store::OutboxItem& item = due->front();
    REQUIRE(
        f.store
            ->reschedule(item.item_id, "probe", f.clock.unix_seconds(), item.reason, item.attempts)
            .ok());
    return item.attempts;
  };
  f.drain();
  CHECK(f.status("msg-1").status == ItemStatus::queued);
  CHECK(attempts_due_in(std::chrono::seconds(39)) == -1);  // not before its slot
  CHECK(attempts_due_in(std::chrono::seconds(1)) == 0);    // and at no cost
  f.drain();
  CHECK(attempts_due_in(std::chrono::seconds(5)) == 1);  // Slack's 429 counts
  f.drain();
  CHECK(f.status("msg-1").status == ItemStatus::delivered);
  CHECK(f.slack.lookup_calls() == 3);
}

TEST_CASE("retries stop at max_attempts with the last Slack error as reason", "[bridge][relay]") {
  BridgeFixture f;
  f.options.max_attempts = 3;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.slack.fail_next_posts({slack_error("chat.postMessage", "internal_error"),
                           slack_error("chat.postMessage", "", 502),
                           slack_error("chat.postMessage", "fatal_error")});
  f.accept(BridgeFixture::message());
  for (int i = 0; i < 3; ++i) {
    f.drain();
    f.clock.advance(std::chrono::minutes(10));
  }
  const auto status = f.status("msg-1");
  CHECK(status.status == ItemStatus::failed);
  CHECK(status.reason == "fatal_error");
  CHECK(f.slack.posts().empty());
  CHECK(f.dispatch().metrics().retried == 2);
}

TEST_CASE("permanent Slack errors fail at once with Slack's code", "[bridge][relay]") {
  for (const char* code : {"channel_not_found", "messages_tab_disabled", "msg_too_long",
                           "is_archived", "invalid_auth", "token_revoked"}) {
    CAPTURE(code);
    BridgeFixture f;
    f.link("p-alice", "U1", "alice@example.com");
    f.link("p-bob", "U2", "bob@example.com");
    f.slack.fail_next_posts({slack_error("chat.postMessage", code)});
    f.accept(BridgeFixture::message());
    f.drain();
    const auto status = f.status("msg-1");
    CHECK(status.status == ItemStatus::failed);
    CHECK(status.reason == code);
    CHECK(f.dispatch().metrics().retried == 0);
  }
}

TEST_CASE("an expired bot token is refreshed once and the message goes out", "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.slack.fail_token(kBotToken, "token_expired");
  f.accept(BridgeFixture::message(), false);
  f.drain();

  CHECK(f.installations.refresh_calls() == 1);
  REQUIRE(f.slack.posts().size() == 1);
  CHECK(f.slack.posts()[0].auth.token == "xoxb-refreshed");
  CHECK(f.status("msg-1").status == ItemStatus::delivered);
}

TEST_CASE("a token expired again right after its refresh is retried later, not failed",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.slack.fail_token(kBotToken, "token_expired");
  f.slack.fail_token("xoxb-refreshed", "token_expired");  // another process rotated it again
  f.accept(BridgeFixture::message(), false);
  f.drain();
  CHECK(f.status("msg-1").status == ItemStatus::queued);
  CHECK(f.dispatch().metrics().retried == 1);

  f.installations.set_refreshed_token("xoxb-third");
  f.clock.advance(std::chrono::minutes(1));
  f.drain();
  CHECK(f.status("msg-1").status == ItemStatus::delivered);
  CHECK(f.slack.posts().at(0).auth.token == "xoxb-third");
}

TEST_CASE("messages to one recipient arrive in accept order, even across a retry",
          "[bridge][relay]") {
  BridgeFixture f;
  f.link("p-bob", "U2", "bob@example.com");
  for (const char* id : {"m1", "m2", "m3"}) {
    auto m = BridgeFixture::message(id);
    m.text = id;
    f.accept(m, false);
  }
  f.slack.fail_next_posts({slack_error("chat.postMessage", "internal_error")});
  f.drain();
  CHECK(f.slack.posts().empty());  // m2 and m3 wait behind m1

  f.clock.advance(std::chrono::seconds(5));
  f.drain();
  const auto posts = f.slack.posts();
  REQUIRE(posts.size() == 3);
  CHECK(posts[0].request.text.find("\nm1\n") != std::string::npos);
  CHECK(posts[1].request.text.find("\nm2\n") != std::string::npos);
  CHECK(posts[2].request.text.find("\nm3\n") != std::string::npos);
}

TEST_CASE("worker threads wake on notify and stop cleanly", "[bridge][relay][threads]") {
  BridgeFixture f;
  f.options.workers = 2;
  f.options.poll_interval = std::chrono::seconds(30);  // only notify() can wake them in time
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.dispatch().start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the workers go idle

  f.accept(BridgeFixture::message());
  f.dispatch().notify();
  for (int i = 0; i < 500 && f.status("msg-1").status != ItemStatus::delivered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(f.status("msg-1").status == ItemStatus::delivered);
  f.dispatch().stop();
  CHECK(f.slack.posts().size() == 2);
}

TEST_CASE("items their accept took go out from the message as accepted, not a decoded payload",
          "[bridge][relay][threads]") {
  BridgeFixture f;
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.dispatch().start();

  // What the Acceptor does with a handoff (acceptor.cpp), with the stored payload spoilt: a
  // delivery that decoded it again would fail the items with invalid_payload.
  const auto m = BridgeFixture::message();
  auto accepted =
      std::make_shared<const bridge::MessagePayload>(bridge::MessagePayload{m, m.mentions.at(0)});
  const std::string ordering = std::string(kTeam) + ":p-bob";
  store::AcceptRequest request;
  request.kind = store::SourceKind::message;
  request.source_id = m.id;
  request.team_id = kTeam;
  request.now = f.clock.unix_seconds();
  request.items.push_back({bridge::kRoleRecipient, "p-bob", "{}", ordering, request.now});
  request.items.push_back({bridge::kRoleSenderCopy, "p-alice", "{}", ordering, request.now});
  request.claim = f.dispatch().reserve(kTeam, 1);
  REQUIRE(request.claim.limit == 1);
  auto result = f.store->accept(request);
  REQUIRE(result.ok());
  REQUIRE(result->claimed.size() == 1);
  f.dispatch().hand_over(request.claim, std::move(result->claimed), accepted);

  // The recipient's item, taken at accept, is delivered; the sender's copy, left for the
  // claimer, decodes the spoilt payload as before.
  REQUIRE(bridgebot::test::wait_until(
      [&] { return f.status("msg-1").status != ItemStatus::queued; }, std::chrono::seconds(10)));
  f.dispatch().stop();
  const auto posts = f.slack.posts();
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].request.channel == "U2");
  CHECK(starts_with(posts[0].request.text,
                    "<@U1> mentioned you in Design floor:\n@Bob can you look"));
  const auto status = f.status("msg-1");
  REQUIRE(delivery_of(status, "recipient"));
  CHECK(status.status == ItemStatus::failed);
  CHECK(status.reason == "invalid_payload");
}
