// `co_await exchange(client, request)`: one request over net::AsyncHttpClient from a coroutine
// running on a core::Executor. The coroutine resumes on the executor it was suspended from: at
// once where the answer arrives when the client runs on that executor (net::EventLoops: no
// hand-off between threads), else posted there from the client's I/O thread. For the delivery
// side's clients: Slack's Web API and the platform's reply webhook.
#pragma once

#include <cassert>
#include <coroutine>
#include <optional>
#include <utility>

#include "bridgebot/core/executor.h"
#include "bridgebot/net/async_http.h"

namespace bridgebot::net {

class HttpExchange {
 public:
  HttpExchange(AsyncHttpClient& client, ClientRequest request)
      : client_(client), request_(std::move(request)) {}

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> coroutine) {
    core::Executor* executor = core::Executor::current();
    assert(executor != nullptr && "an HTTP exchange is awaited on an executor thread");
    // After send() this awaiter may already be resumed and gone: touch no member past it.
    client_.send(std::move(request_), [this, coroutine, executor](Result<HttpResponse> response) {
      answer_.emplace(std::move(response));
      if (core::Executor::current() == executor) {
        coroutine.resume();
      } else {
        executor->post([coroutine] { coroutine.resume(); });
      }
    });
  }
  Result<HttpResponse> await_resume() { return std::move(*answer_); }

 private:
  AsyncHttpClient& client_;
  ClientRequest request_;
  std::optional<Result<HttpResponse>> answer_;
};

inline HttpExchange exchange(AsyncHttpClient& client, ClientRequest request) {
  return HttpExchange(client, std::move(request));
}

}  // namespace bridgebot::net
