// Socket Mode: keeps `connections` WebSockets to Slack open and acks every envelope once the
// EnvelopeHandler has recorded it: Slack never sends an acked envelope again, so an ack promises
// that the envelope survives a crash.
//
// Threads:
//  - network threads (net layer) parse frames and answer pings; they never block;
//  - one supervisor thread owns every connect and reconnect (apps.connections.open for a fresh URL
//    each time, then the WebSocket handshake) and the backoff schedule;
//  - `recorders` threads call the EnvelopeHandler, several at once so that a store's group commit
//    can fold their writes, and send each ack when its envelope is recorded.
// Handling the events (application work) happens elsewhere, from what was recorded, so it never
// delays acks or pongs.
//
// Liveness comes from the net layer: the client pings every ping_interval and a socket that
// received nothing (no pong, no frame) for idle_timeout is closed and replaced.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridgebot/core/clock.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/backoff.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/slack/socket_mode_frames.h"

namespace bridgebot::slack {

// Records envelopes before they are acked, on the recorder threads, concurrently. Every delivery
// comes here, retries included (de-duplication by payload.event_id is the handler's job). Return
// ok once the envelope is safe (recorded, or known from before): the ack follows. An error leaves
// it unacked, so Slack sends it again. It must not throw, and should return well within Slack's
// 3 s ack budget.
class EnvelopeHandler {
 public:
  virtual ~EnvelopeHandler() = default;
  virtual Status on_envelope(const Envelope& envelope) = 0;
};

struct SocketModeOptions {
  int connections = 2;  // 1..10 sockets kept open (clamped)
  std::chrono::milliseconds ping_interval{5'000};
  std::chrono::milliseconds idle_timeout{15'000};
  std::chrono::milliseconds handshake_timeout{4'000};
  // While Slack refuses us (too_many_websockets, errors) one socket probes at a time, 6-12 s
  // apart at the cap: a few calls a minute, and back within ~12 s of room freeing. A socket
  // Slack had accepted is replaced within 4 s (socket_mode_backoff.h).
  BackoffPolicy backoff{std::chrono::milliseconds{1'000}, 2.0, std::chrono::milliseconds{12'000}};
  // A connection up this long resets the backoff schedule.
  std::chrono::milliseconds healthy_period{60'000};
  net::TlsOptions tls;
  // Threads calling the EnvelopeHandler (1..64): enough that a burst arriving during one commit
  // is folded into the next (a commit took ~4 ms on a busy disk: 1,000 envelopes/s left 8
  // recorders with a growing queue).
  int recorders = 32;
};

// Whole-client state, for /readyz and `test-connection`.
enum class SocketModeState {
  stopped,        // not started, or stop() returned
  connecting,     // started, no hello yet (or every socket lost): retrying
  connected,      // at least one socket said hello and is alive
  link_disabled,  // Slack said Socket Mode is off for this app: not retrying
  auth_failed,    // apps.connections.open refused the app token for good: not retrying
};

std::string to_string(SocketModeState state);

struct SocketModeCounters {
  std::uint64_t envelopes = 0;        // envelopes received (each delivery counts)
  std::uint64_t acks = 0;             // acks handed to a live socket
  std::uint64_t ack_failures = 0;     // acks that found their socket already gone
  std::uint64_t recorded = 0;         // envelopes the handler recorded (then acked)
  std::uint64_t record_failures = 0;  // envelopes the handler refused: left unacked
  std::uint64_t unknown_frames = 0;   // empty, non-JSON or unknown frames
  std::uint64_t hellos = 0;
  std::uint64_t disconnects = 0;       // disconnect frames received
  std::uint64_t reconnects = 0;        // sockets replaced (lost, refused or recycled)
  std::uint64_t connect_failures = 0;  // apps.connections.open or handshake failures
};

struct SocketModeConnectionStatus {
  std::uint64_t id = 0;  // local, increasing with every connect
  std::string state;     // connecting | open | draining
};

struct SocketModeStatus {
  SocketModeState state = SocketModeState::stopped;
  // For a person: why we are not connected and what to do ("" when connected).
  std::string message;
  bool connected = false;  // a socket that said hello is open and passes the liveness check
  int open_connections = 0;
  int last_hello_num_connections = 0;  // Slack's own count, from the last hello
  std::vector<SocketModeConnectionStatus> connections;
  SocketModeCounters counters;
};

class SocketMode {
 public:
  // `api` (for apps.connections.open) and `handler` must outlive the SocketMode. Give it a
  // SlackApi whose retry policy waits briefly (e.g. max_wait 2 s): the supervisor retries
  // apps.connections.open itself, forever, with its own backoff, and stop() waits for a call in
  // flight. `clock` times backoff and de-duplication memory.
  SocketMode(SlackApi& api, std::string app_token, SocketModeOptions options,
             EnvelopeHandler& handler, const core::Clock& clock = core::system_clock());
  ~SocketMode();  // stop()
  SocketMode(const SocketMode&) = delete;
  SocketMode& operator=(const SocketMode&) = delete;

  // Starts the supervisor and recorder threads and returns at once; connecting happens in the
  // background (watch status()). invalid_state when already started or after stop().
  Status start();
  // Closes every socket with code 1000 and joins the threads; envelopes not recorded yet stay
  // unacked (Slack sends them again). Returns within a few seconds when handler calls are short
  // and the SlackApi does not wait long. Idempotent.
  void stop();

  // Thread-safe snapshot.
  SocketModeStatus status() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bridgebot::slack
