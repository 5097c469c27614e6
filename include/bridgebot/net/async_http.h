// The asynchronous HTTP(S) client. Free of Boost, like http.h; the Beast implementation lives in
// src/net and is created with make_async_http_client().
#pragma once

#include <functional>
#include <memory>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"

namespace bridgebot::net {

class EventLoops;

// Asynchronous HTTP(S) client: per host (scheme://host:port) up to
// ClientOptions::max_connections_per_host keep-alive connections, each carrying one request at a
// time; requests beyond that wait in a FIFO per host. Runs on its own I/O thread, or on the event
// loops it is given.
//
// The wait queue has no bound but memory: callers bound how much they keep in flight. A request's
// timeout (request.timeout or ClientOptions::request_timeout) is a deadline from send(): a request
// still queued then fails with "queue_timeout" (nothing was sent, so it is safe to repeat, unlike
// "timeout"), and one that gets a connection late has only the time left to open it, write and
// read. Opening a connection also has connect_timeout, for the
// host name's lookup and the TCP connect together (a lookup that runs out is "dns_failed"), then
// again for the TLS handshake. Lookups run on threads of their own (ClientOptions::host_lookup),
// so a name server that never answers holds up that host's connections only. Idle
// connections beyond ClientOptions::max_idle_per_host are closed. A pooled connection found dead
// before any byte of the answer is replaced and the request sent once more; never after a byte of
// the answer or after a timeout, so a request is never sent twice when the server may have acted.
class AsyncHttpClient {
 public:
  using Done = std::function<void(Result<HttpResponse>)>;
  // Completes every request still pending with the error "cancelled" (transient). Must not run
  // inside a `done` of this client, nor on one of its loops.
  virtual ~AsyncHttpClient() = default;
  // Thread-safe, never blocks. `done` runs exactly once, on the client's I/O thread (one of its
  // loops: the caller's own when send() is called on one), never inside send() itself. Same error
  // codes and timeouts as HttpClient::send (http.h), plus "cancelled". `done` must not block for
  // long (it holds up every connection of its loop) and should not throw (an exception it throws
  // is dropped). It may call send() again.
  virtual void send(ClientRequest request, Done done) = 0;
};

// A client with its own I/O thread.
std::unique_ptr<AsyncHttpClient> make_async_http_client(const ClientOptions& options);

// A client whose I/O runs on `loops` (event_loops.h), which must outlive it: each loop has its
// own connections to a host (max_connections_per_host and max_idle_per_host apply per loop). A
// request sent from a loop goes out and is answered on that loop; from elsewhere the loops take
// turns. Destroyed while the loops run, it waits on each loop for its pending requests to be
// completed ("cancelled"); destroyed after their shutdown(), it completes them on the caller's
// thread (not while shutdown() runs).
std::unique_ptr<AsyncHttpClient> make_async_http_client(const ClientOptions& options,
                                                        EventLoops& loops);

}  // namespace bridgebot::net
