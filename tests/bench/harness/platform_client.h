// The platform side of a benchmark: signed POST /v1/messages over keep-alive connections, as a
// platform backend would send them. Thread-safe (net::HttpClient is): one instance serves every
// load thread, each call on its own pooled connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridgebot/net/http.h"

namespace bench {

// A 1:1 @mention from an unlinked sender: relayed as the bot's fallback DM to the recipient.
// `tag` is carried in the text so the emulator's copy can be matched to the request.
std::string mention_json(const std::string& id, const std::string& team_id,
                         const std::string& recipient_email, const std::string& tag);

// The tag of message number n ("bq000042z"): letters and digits only, so mrkdwn escaping keeps
// it intact, and easy to find again in the text the emulator stored.
std::string message_tag(std::uint64_t n);
// The number in the first tag found in `text`, or -1.
long long find_tag(const std::string& text);

// A POST /v1/messages signed ahead of a burst, as wrk replays pre-signed requests: the burst's CPU
// then goes on sending, not on signing.
struct SignedPost {
  bridgebot::net::ClientRequest request;
  std::int64_t signed_at = 0;  // unix seconds, the X-Bridge-Timestamp
};

class PlatformClient {
 public:
  PlatformClient(std::uint16_t port, std::size_t connections);
  // POST /v1/messages, signed now. Returns the HTTP status (0 on a transport error).
  int post_message(const std::string& body);
  // The same request, signed now and sent later by post_all().
  SignedPost signed_post(const std::string& body) const;
  // Sends every post with `in_flight` of them outstanding, on one I/O thread of a client of its
  // own (each answer sends the next: a closed loop without a blocked thread per connection), and
  // returns their HTTP statuses (0 on a transport error) in order once all are answered. A post
  // signed over a minute before its turn is signed again, so a long burst stays inside the bot's
  // 300 s window.
  std::vector<int> post_all(std::vector<SignedPost> posts, std::size_t in_flight) const;
  // GET `path` (e.g. /v1/messages/ID), signed; the body goes to `body` when given.
  int get(const std::string& path, std::string* body = nullptr);

 private:
  std::string base_;
  std::unique_ptr<bridgebot::net::HttpClient> http_;
};

// The value of the Prometheus sample named exactly `sample` in the bot's GET /metrics, or -1.
long metric(PlatformClient& client, const std::string& sample);

}  // namespace bench
