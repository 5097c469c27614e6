// Replies back to the platform through the real binary: a Slack user's answer to a bridged DM
// (message.im over Socket Mode from the emulator) reaches a platform endpoint served by the test,
// signed with v2, once, across a restart of the bridge and a platform answering 503 for a while;
// a platform slow to answer holds no other delivery back; bot messages, edits and DMs bridgebot
// never posted in are not sent.
#include <catch2/catch.hpp>
#include <ctime>
#include <mutex>

#include "bridgebot/api/signature.h"
#include "bridgebot/net/http_server.h"
#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot;
using namespace bridgebot::test;
using namespace std::chrono_literals;

namespace {

// The platform's reply webhook: records every POST with whether its v2 signature verified, and
// answers 503 (Retry-After: 1) while `unavailable` requests remain, then 200; while held, the
// 200s wait until release().
class ReplyPlatform {
 public:
  struct Received {
    std::string target;
    std::string body;
    bool signature_ok = false;
    int answered = 0;
  };

  explicit ReplyPlatform(int unavailable)
      : unavailable_(unavailable),
        server_({}, [this](net::HttpRequest request, net::Responder respond) {
          on_request(request, std::move(respond));
        }) {
    auto started = server_.start();
    if (!started.ok()) FAIL(started.error().to_string());
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + "/bridge/replies?via=slack";
  }

  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  void hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  // Answers the held requests and stops holding.
  void release() {
    std::vector<net::Responder> held;
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
      held.swap(held_);
    }
    for (auto& respond : held) respond(ok());
  }
  std::size_t held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
  }

  // Requests carrying reply `id`, whatever they were answered.
  int count(const std::string& id) const {
    int n = 0;
    for (const auto& r : received()) n += json_string(r.body, "id") == id ? 1 : 0;
    return n;
  }
  // Requests carrying reply `id` that were answered `status`.
  int count(const std::string& id, int status) const {
    int n = 0;
    for (const auto& r : received()) {
      n += json_string(r.body, "id") == id && r.answered == status ? 1 : 0;
    }
    return n;
  }

 private:
  static net::HttpResponse ok() {
    net::HttpResponse response;
    response.status = 200;
    return response;
  }

  void on_request(const net::HttpRequest& request, net::Responder respond) {
    const auto verified = api::verify_request(
        kSigningSecret,
        {request.method, request.target, request.headers.get("X-Bridge-Timestamp"),
         request.headers.get("X-Bridge-Signature"), request.body},
        /*accept_v1=*/false, static_cast<std::int64_t>(std::time(nullptr)));
    net::HttpResponse response;
    std::lock_guard lock(mutex_);
    if (unavailable_ > 0) {
      --unavailable_;
      response.status = 503;
      response.headers.set("Retry-After", "1");
    } else {
      response.status = 200;
    }
    received_.push_back({request.target, request.body, verified.ok(), response.status});
    if (response.status == 200 && holding_) {
      held_.push_back(std::move(respond));
      return;
    }
    respond(response);
  }

  mutable std::mutex mutex_;
  int unavailable_;                   // guarded by mutex_
  bool holding_ = false;              // guarded by mutex_
  std::vector<Received> received_;    // guarded by mutex_
  std::vector<net::Responder> held_;  // guarded by mutex_
  net::HttpServer server_;            // last: its threads use the fields above
};

// A bridge with replies on (the app has im:history), Socket Mode up and bob linked.
void start_with_replies(Bridge& bridge, const ReplyPlatform& platform) {
  bridge.emulator.with_state([&](emulator::State& state) {
    state.find_token(bridge.demo.bot_token)->scopes.push_back("im:history");
    return 0;
  });
  bridge.enable_socket_mode();
  bridge.settings.copy_to_sender = false;
  bridge.settings.reply_webhook_url = platform.url();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();
  bridge.link(bob());
}

// Relays a message from `sender` to `recipient`; returns the recipient's DM channel and the
// DM's ts.
std::pair<std::string, std::string> relay(Bridge& bridge, const std::string& id,
                                          const Person& sender, const Person& recipient) {
  REQUIRE(bridge.api
              ->post("/v1/messages", message_body(id, sender, {user_mention(recipient)},
                                                  "can you look at the notes?"))
              .status == 202);
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");
  return {json_string(state, "deliveries.0.channel"), json_string(state, "deliveries.0.ts")};
}

std::pair<std::string, std::string> relay_to_bob(Bridge& bridge, const std::string& id) {
  return relay(bridge, id, carol(), bob());
}

std::string reply_id_of(const std::string& dm, const std::string& event) {
  return "T0001:" + dm + ":" + json_string(event, "ts");
}

}  // namespace

TEST_CASE(
    "a reply to a bridged DM reaches the platform once, across a restart and a platform "
    "answering 503 for a while",
    "[cli][replies]") {
  Bridge bridge;
  ReplyPlatform platform(/*unavailable=*/3);
  start_with_replies(bridge, platform);
  const auto [dm, dm_ts] = relay_to_bob(bridge, "msg-ask");

  // Bob answers in the DM's thread, with mrkdwn the platform should get as plain text.
  const std::string answer = bridge.emulator.user_writes(
      "T0001", "U0002", dm, "Sure, *on it* &amp; <@U0001> <https://x.example/a|the notes>", dm_ts);
  bridge.send_event_acked(answer);
  const std::string id = reply_id_of(dm, answer);

  // The platform refuses the first attempt; the bridge restarts while the reply waits to retry.
  REQUIRE(wait_until([&] { return platform.count(id, 503) >= 1; }, 20s));
  REQUIRE(bridge.stop_bot().exited);
  bridge.start_bot();
  REQUIRE(wait_until([&] { return platform.count(id, 200) >= 1; }, 60s));

  // Bob's next message (not in the thread) is a reply too; it goes after the first (one DM, one
  // order), so once it is there any second copy of the first would be too.
  const std::string next = bridge.emulator.user_writes("T0001", "U0002", dm, "done now");
  bridge.wait_socket_mode_ready();
  bridge.send_event_acked(next);
  const std::string next_id = reply_id_of(dm, next);
  INFO(bridge.bot->output_tail());
  REQUIRE(wait_until([&] { return platform.count(next_id, 200) >= 1; }, 60s));

  CHECK(platform.count(id, 200) == 1);
  CHECK(platform.count(id, 503) == 3);
  CHECK(platform.count(next_id, 200) == 1);
  for (const auto& r : platform.received()) {
    CHECK(r.signature_ok);
    CHECK(r.target == "/bridge/replies?via=slack");
  }
  std::string body;
  for (const auto& r : platform.received()) {
    if (json_string(r.body, "id") == id && r.answered == 200) body = r.body;
  }
  INFO(body);
  CHECK(json_string(body, "in_reply_to") == "msg-ask");
  CHECK(json_string(body, "from.slack_user_id") == "U0002");
  CHECK(json_string(body, "from.platform_user_id") == "p-bob");
  CHECK(json_string(body, "from.email") == "bob@example.com");
  CHECK(json_string(body, "text") == "Sure, *on it* & @U0001 the notes (https://x.example/a)");
  CHECK(json_string(body, "sent_at").size() >= 20);
  std::string next_body;
  for (const auto& r : platform.received()) {
    if (json_string(r.body, "id") == next_id) next_body = r.body;
  }
  CHECK(json_string(next_body, "in_reply_to") == "msg-ask");
}

TEST_CASE("a platform slow to answer replies holds no relayed message back", "[cli][replies]") {
  Bridge bridge;
  ReplyPlatform platform(/*unavailable=*/0);
  platform.hold();
  start_with_replies(bridge, platform);
  bridge.link(alice());
  bridge.link(carol());

  // Three people answer in their DMs: three replies (one per conversation, so none waits for
  // another), more than the bot's 2 delivery threads, all waiting for the platform's answer.
  struct Answered {
    std::string slack_user;
    std::string dm;
    std::string reply_id;
  };
  std::vector<Answered> answered;
  for (const auto& [person, slack_user] : std::vector<std::pair<Person, std::string>>{
           {alice(), "U0001"}, {bob(), "U0002"}, {carol(), "U0003"}}) {
    const Person sender = person.id == alice().id ? carol() : alice();
    const auto [dm, dm_ts] = relay(bridge, "ask-" + person.id, sender, person);
    const std::string answer = bridge.emulator.user_writes("T0001", slack_user, dm, "on it", dm_ts);
    bridge.send_event_acked(answer);
    answered.push_back({slack_user, dm, reply_id_of(dm, answer)});
  }
  REQUIRE(wait_until([&] { return platform.held() == answered.size(); }, 30s));

  // Meanwhile a message to bob goes out; then the platform answers.
  relay(bridge, "msg-meanwhile", carol(), bob());
  platform.release();

  // Each person writes again: those replies go after the first ones (one order per DM), so once
  // they are in, a second copy of a first one (sent again after a timeout) would be too.
  std::vector<std::string> next_ids;
  for (const auto& a : answered) {
    const std::string next = bridge.emulator.user_writes("T0001", a.slack_user, a.dm, "done");
    bridge.send_event_acked(next);
    next_ids.push_back(reply_id_of(a.dm, next));
  }
  INFO(bridge.bot->output_tail());
  for (const auto& id : next_ids) {
    REQUIRE(wait_until([&] { return platform.count(id, 200) == 1; }, 60s));
  }
  for (const auto& a : answered) {
    INFO(a.reply_id);
    CHECK(platform.count(a.reply_id) == 1);
  }
}

TEST_CASE("bot messages, edits and DMs bridgebot never posted in are not sent to the platform",
          "[cli][replies]") {
  Bridge bridge;
  ReplyPlatform platform(/*unavailable=*/0);
  start_with_replies(bridge, platform);
  const auto [dm, dm_ts] = relay_to_bob(bridge, "msg-noise");

  // The bot's own message in that DM, as Slack echoes it.
  bridge.send_event_acked(R"({"type":"message","channel":")" + dm + R"(","user":")" +
                          bridge.demo.bot_user_id +
                          R"(","bot_id":"B0001","text":"a bot line","ts":"9999999999.000100",)"
                          R"("channel_type":"im"})");
  // Bob edits a message.
  bridge.send_event_acked(
      R"({"type":"message","subtype":"message_changed","channel":")" + dm +
      R"(","hidden":true,"message":{"type":"message","user":"U0002","text":"edited",)"
      R"("ts":"9999999999.000200"},"ts":"9999999999.000300","channel_type":"im"})");
  // Alice writes in her own DM with the bot, where bridgebot never relayed anything.
  std::string alice_dm;
  bridge.emulator.with_state([&](emulator::State& state) {
    alice_dm = state.open_dm("T0001", "U0001", bridge.demo.bot_user_id).id;
    return 0;
  });
  bridge.send_event_acked(bridge.emulator.user_writes("T0001", "U0001", alice_dm, "hello bot"));

  // Then a real reply, after the others: when it is there, they were handled before it.
  const std::string reply = bridge.emulator.user_writes("T0001", "U0002", dm, "real answer");
  bridge.send_event_acked(reply);
  const std::string id = reply_id_of(dm, reply);
  INFO(bridge.bot->output_tail());
  REQUIRE(wait_until([&] { return platform.count(id, 200) == 1; }, 30s));
  const auto received = platform.received();
  CHECK(received.size() == 1);
  for (const auto& r : received) CHECK(json_string(r.body, "text") == "real answer");
}
