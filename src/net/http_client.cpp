// make_http_client(): the blocking HttpClient as a thin adapter over the asynchronous client
// (async_http_client.cpp), so that one Beast HTTP client serves both. send() hands the request to
// the async client's I/O thread and waits for its answer.
//
// It cannot deadlock by waiting on the thread that would answer it: each adapter owns its async
// client, and the only code that runs on that client's I/O thread is the completion below, which
// never calls send().
#include <future>
#include <memory>

#include "bridgebot/net/async_http.h"
#include "bridgebot/net/http.h"

namespace bridgebot::net {
namespace {

class BlockingHttpClient final : public HttpClient {
 public:
  explicit BlockingHttpClient(const ClientOptions& options)
      : async_(make_async_http_client(options)) {}

  Result<HttpResponse> send(const ClientRequest& request) override {
    // Shared with the completion: the promise must outlive set_value(), which may still be
    // returning on the I/O thread when get() has already woken up here.
    auto answer = std::make_shared<std::promise<Result<HttpResponse>>>();
    auto future = answer->get_future();
    async_->send(request,
                 [answer](Result<HttpResponse> result) { answer->set_value(std::move(result)); });
    return future.get();
  }

 private:
  const std::unique_ptr<AsyncHttpClient> async_;
};

}  // namespace

std::unique_ptr<HttpClient> make_http_client(const ClientOptions& options) {
  return std::make_unique<BlockingHttpClient>(options);
}

}  // namespace bridgebot::net
