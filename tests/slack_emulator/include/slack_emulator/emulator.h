// A Slack emulator speaking Slack's wire format, independent of any transport: the Web API
// (POST /api/<method>, oauth.v2.access included), incoming webhooks (POST /services/<id>) and the
// OAuth authorize page (GET /oauth/v2/authorize, answered as State::consent says). Serve it over
// sockets with EmulatorServer, or call handle() directly in unit tests.
//
// Thread-safe: every public member may be called from any thread (one mutex guards all state).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "bridgebot/core/clock.h"
#include "bridgebot/net/http.h"
#include "slack_emulator/faults.h"
#include "slack_emulator/rate_limits.h"
#include "slack_emulator/state.h"

namespace bridgebot::emulator {

// Where Slack's documented behaviour is uncertain (see slack-notes.md, UNSURE), tests pick.
struct Behaviour {
  // users.lookupByEmail: whether "Alice@Example.com" finds alice@example.com.
  bool email_lookup_ignores_case = false;
  // chat.postMessage with a bot token and a user id as channel: the user's DM with the bot
  // user (true) or with Slackbot (false).
  bool user_id_posts_to_bot_dm = true;
};

struct EmulatorOptions {
  // apps.connections.open answers "<socket_mode_url>?ticket=…&app_id=…". EmulatorServer
  // replaces it with its own address once the Socket Mode server exists.
  std::string socket_mode_url = "wss://emulator.invalid/link/";
  RateLimitConfig rate_limits;
  Behaviour behaviour;
  // Where clients reach the emulator ("http://127.0.0.1:PORT/"): incoming-webhook URLs handed
  // out by OAuth installs point here. EmulatorServer sets it when it starts.
  std::string public_base_url = "https://emulator.invalid/";
};

// One call as it arrived, for assertions ("no call before the Retry-After elapsed").
struct CallRecord {
  std::string method;  // "users.list", or kWebhookMethod for incoming webhooks
  core::Clock::TimePoint arrival;
  std::string team_id;                        // of the token (or webhook); "" when unknown
  std::map<std::string, std::string> params;  // the token itself is left out
  int http_status = 0;
  std::string error;  // Slack error code or webhook error text; "" on success
};

// What the core decided for one request; the transport carries it out.
struct Answer {
  net::HttpResponse response;
  std::chrono::milliseconds delay{0};  // wait this long (real time) before answering
  bool drop_connection = false;        // close the connection instead of answering
};

class Emulator {
 public:
  // `clock` stamps arrivals, ts values and rate-limit windows; it must outlive the Emulator.
  explicit Emulator(core::Clock& clock, EmulatorOptions options = {});
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Decides the answer to one request without waiting or dropping anything itself.
  Answer answer(const net::HttpRequest& request);
  // answer(), then sleeps the scripted delay. A scripted dropped connection comes back as
  // status 0 with an empty body (there is no connection to drop here).
  net::HttpResponse handle(const net::HttpRequest& request);

  // Runs `edit` with the state locked; returns what `edit` returns. Do not call other members
  // of this Emulator from inside `edit`.
  template <typename Edit>
  auto with_state(Edit&& edit) {
    std::lock_guard lock(mutex_);
    return edit(state_);
  }

  // A person writes `text` in `channel` (in the thread of `thread_ts` when not empty): the
  // message is recorded as Slack records it, and the `message` event Slack sends for it (with
  // channel_type "im" in a DM: the message.im subscription) is returned, ready for
  // SocketModeServer::send_event.
  std::string user_writes(const std::string& team_id, const std::string& user_id,
                          const std::string& channel, const std::string& text,
                          const std::string& thread_ts = "");

  // Snapshots for assertions.
  std::vector<Message> messages() const;
  std::vector<Message> messages_in(const std::string& channel) const;
  std::vector<CallRecord> calls() const;
  std::vector<CallRecord> calls_of(const std::string& method) const;
  std::vector<RateLimitViolation> rate_limit_violations() const;
  std::vector<SocketModeTicket> issued_tickets() const;

  void set_rate_limits(RateLimitConfig config);
  void set_behaviour(Behaviour behaviour);
  void set_socket_mode_url(std::string url);
  void set_public_base_url(std::string url);

  // Queues `fault` for the next `times` calls of `method` ("" = any call); see FaultQueue.
  void inject_fault(std::string method, Fault fault, int times = 1);
  std::size_t pending_faults() const;

 private:
  // Each fills `record` (all but the HTTP status) and returns the answer.
  Answer answer_web_api(const std::string& method, const net::HttpRequest& request,
                        CallRecord& record);
  Answer answer_webhook(const std::string& webhook_id, const net::HttpRequest& request,
                        CallRecord& record);
  // Consumes the next scripted fault for `record.method`, if any, rate-limit `scope` being what
  // a scripted 429 applies to. Returns true when the fault replaces the answer; a delay only
  // sets answer.delay and the call goes on.
  bool apply_fault(const std::string& scope, bool web_api, Answer& answer, CallRecord& record);

  core::Clock& clock_;
  mutable std::mutex mutex_;
  EmulatorOptions options_;
  State state_;
  RateLimiter rate_limiter_;
  FaultQueue faults_;
  std::vector<CallRecord> calls_;
  std::mt19937_64 random_;
};

}  // namespace bridgebot::emulator
