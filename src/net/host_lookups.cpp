#include "host_lookups.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "bridgebot/core/thread_name.h"

namespace bridgebot::net::detail {

Result<std::vector<std::string>> system_lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* found = nullptr;
  if (const int failure = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); failure != 0) {
    return make_error("dns_failed",
                      failure == EAI_SYSTEM
                          ? std::error_code(errno, std::system_category()).message()
                          : ::gai_strerror(failure),
                      true);
  }
  std::vector<std::string> addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    char text[NI_MAXHOST] = {};  // numeric, with an IPv6 scope (fe80::1%eth0) where it has one
    if (::getnameinfo(entry->ai_addr, entry->ai_addrlen, text, sizeof text, nullptr, 0,
                      NI_NUMERICHOST) == 0) {
      addresses.emplace_back(text);
    }
  }
  ::freeaddrinfo(found);
  return addresses;
}

struct HostLookups::State {
  HostLookup lookup;
  std::size_t max_threads = 1;
  std::mutex mutex;
  std::map<std::string, std::vector<Done>> waiting;  // by host name, queued or being looked up
  std::deque<std::string> queued;                    // names no thread has taken yet, oldest first
  std::size_t threads = 0;
  bool stopped = false;
};

HostLookups::HostLookups(HostLookup lookup, std::size_t max_threads)
    : state_(std::make_shared<State>()) {
  state_->lookup = std::move(lookup);
  state_->max_threads = std::max<std::size_t>(max_threads, 1);
}

HostLookups::~HostLookups() {
  stop();
}

void HostLookups::find(const std::string& host, Done done) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    auto [entry, first] = state_->waiting.try_emplace(host);
    entry->second.push_back(std::move(done));
    if (!first) return;
    state_->queued.push_back(host);
    if (state_->threads >= state_->max_threads) return;  // a busy thread takes it when done
    ++state_->threads;
  }
  try {
    std::thread([state = state_] { run(state); }).detach();
  } catch (const std::system_error& e) {
    std::lock_guard lock(state_->mutex);
    --state_->threads;
    if (state_->threads == 0)
      fail_queued(*state_, std::string("cannot start a lookup thread: ") + e.what());
  }
}

void HostLookups::stop() {
  std::lock_guard lock(state_->mutex);
  state_->stopped = true;
  state_->waiting.clear();
  state_->queued.clear();
}

// A lookup thread: takes queued names until none is left. Holds the state, not HostLookups, so
// it may outlive the client while a lookup hangs.
void HostLookups::run(const std::shared_ptr<State>& state) {
  core::name_this_thread("dns-lookup");
  std::unique_lock lock(state->mutex);
  while (!state->stopped && !state->queued.empty()) {
    const std::string host = std::move(state->queued.front());
    state->queued.pop_front();
    lock.unlock();
    Answer answer = make_error("dns_failed", "the lookup failed", true);
    try {
      answer = state->lookup(host);
    } catch (const std::exception& e) {
      answer = make_error("dns_failed", e.what(), true);
    }
    lock.lock();
    if (auto waiters = state->waiting.extract(host)) deliver(waiters.mapped(), answer);
  }
  --state->threads;
}

void HostLookups::deliver(const std::vector<Done>& waiters, const Answer& answer) {
  for (const auto& done : waiters) {
    try {
      done(answer);
    } catch (...) {  // only posting, which fails for want of memory: that caller times out instead
    }
  }
}

void HostLookups::fail_queued(State& state, const std::string& why) {
  const Answer failure = make_error("dns_failed", why, true);
  for (const auto& host : state.queued) {
    if (auto waiters = state.waiting.extract(host)) deliver(waiters.mapped(), failure);
  }
  state.queued.clear();
}

}  // namespace bridgebot::net::detail
