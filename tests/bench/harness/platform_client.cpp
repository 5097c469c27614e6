#include "harness/platform_client.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "bridgebot/api/signature.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/net/async_http.h"
#include "harness/bot_process.h"

namespace bench {

using namespace bridgebot;

std::string message_tag(std::uint64_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "bq%09lluz", static_cast<unsigned long long>(n));
  return buffer;
}

long long find_tag(const std::string& text) {
  for (auto at = text.find("bq"); at != std::string::npos; at = text.find("bq", at + 2)) {
    const std::size_t end = at + 2 + 9;
    if (end < text.size() && text[end] == 'z') {
      return std::strtoll(text.substr(at + 2, 9).c_str(), nullptr, 10);
    }
  }
  return -1;
}

std::string mention_json(const std::string& id, const std::string& team_id,
                         const std::string& recipient_email, const std::string& tag) {
  return R"({"id":")" + id + R"(","team_id":")" + team_id +
         R"(","sender":{"id":"p-sender","email":"sender@platform.example","name":"Sender"},)"
         R"("mentions":[{"type":"user","id":"p-)" +
         recipient_email + R"(","email":")" + recipient_email +
         R"(","name":"R"}],)"
         R"("text":"@R please look at )" +
         tag + R"(","url":"https://platform.example/m/)" + id +
         R"(",)"
         R"("space":{"id":"1","name":"Bench"},"sent_at":"2026-11-21T10:00:00Z"})";
}

PlatformClient::PlatformClient(std::uint16_t port, std::size_t connections)
    : base_("http://127.0.0.1:" + std::to_string(port)) {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  options.max_idle_per_host = connections;
  options.request_timeout = std::chrono::milliseconds(30'000);
  http_ = net::make_http_client(options);
}

namespace {

// Signs `request` as of now; returns that time (unix seconds).
std::int64_t sign(net::ClientRequest& request) {
  const std::int64_t now = core::system_clock().unix_seconds();
  request.headers.set("X-Bridge-Timestamp", std::to_string(now));
  request.headers.set("X-Bridge-Signature",
                      api::sign_v2(kSigningSecret, now, request.method,
                                   net::parse_url(request.url)->target, request.body));
  return now;
}

// How old a pre-signed post may be when sent: well inside api::kSignatureWindowSeconds.
constexpr std::int64_t kResignAfterSeconds = 60;

// post_all()'s closed loop. Lives until the last answer; `done` callbacks run on the client's one
// I/O thread, the first sends on the caller's.
struct Burst {
  std::vector<SignedPost> posts;
  std::vector<int> statuses;
  std::mutex mutex;
  std::size_t next = 0;  // the next post to send
  std::size_t answered = 0;
  std::condition_variable all_answered;
  std::unique_ptr<net::AsyncHttpClient> http;

  // Sends the next post, if any is left.
  void send_next() {
    std::size_t n = 0;
    {
      std::lock_guard lock(mutex);
      if (next == posts.size()) return;
      n = next++;
    }
    SignedPost& post = posts[n];
    if (core::system_clock().unix_seconds() - post.signed_at > kResignAfterSeconds) {
      post.signed_at = sign(post.request);
    }
    http->send(std::move(post.request), [this, n](Result<net::HttpResponse> response) {
      {
        std::lock_guard lock(mutex);
        statuses[n] = response.ok() ? response->status : 0;
        if (++answered == posts.size()) all_answered.notify_all();
      }
      send_next();
    });
  }
};

}  // namespace

int PlatformClient::post_message(const std::string& body) {
  auto response = http_->send(signed_post(body).request);
  return response.ok() ? response->status : 0;
}

SignedPost PlatformClient::signed_post(const std::string& body) const {
  SignedPost post;
  post.request.method = "POST";
  post.request.url = base_ + "/v1/messages";
  post.request.headers.set("Content-Type", "application/json");
  post.request.body = body;
  post.signed_at = sign(post.request);
  return post;
}

std::vector<int> PlatformClient::post_all(std::vector<SignedPost> posts,
                                          std::size_t in_flight) const {
  Burst burst;
  burst.statuses.assign(posts.size(), 0);
  burst.posts = std::move(posts);
  net::ClientOptions options;
  options.tls.allow_plaintext = true;
  options.max_connections_per_host = in_flight;
  options.max_idle_per_host = in_flight;
  options.request_timeout = std::chrono::milliseconds(30'000);
  burst.http = net::make_async_http_client(options);
  for (std::size_t c = 0; c < in_flight; ++c) burst.send_next();
  std::unique_lock lock(burst.mutex);
  burst.all_answered.wait(lock, [&] { return burst.answered == burst.posts.size(); });
  lock.unlock();
  burst.http.reset();  // its I/O thread ends here, after the last `done` returned
  return std::move(burst.statuses);
}

int PlatformClient::get(const std::string& path, std::string* body) {
  net::ClientRequest request;
  request.method = "GET";
  request.url = base_ + path;
  sign(request);
  auto response = http_->send(request);
  if (!response.ok()) return 0;
  if (body != nullptr) *body = response->body;
  return response->status;
}

long metric(PlatformClient& client, const std::string& sample) {
  std::string body;
  if (client.get("/metrics", &body) != 200) return -1;
  const std::string prefix = sample + " ";
  for (std::size_t at = body.find(prefix); at != std::string::npos;
       at = body.find(prefix, at + 1)) {
    if (at == 0 || body[at - 1] == '\n') return std::atol(body.c_str() + at + prefix.size());
  }
  return -1;
}

}  // namespace bench
