// One error type for every fallible call that crosses a module edge (in the spirit of leveldb's
// Status). No exception crosses a layer boundary: functions return Result<T> or Status.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace bridgebot {

struct Error {
  // Machine code, stable and greppable: a Slack error ("invalid_auth"), a network failure
  // ("timeout", "tls_failed"), or one of ours ("invalid_config").
  std::string code;
  // A sentence for a person: what is wrong and, where we know it, what to do.
  std::string message;
  // JSON path or config key at fault, when one field is to blame.
  std::string field;
  // True when repeating the same operation later may succeed (5xx, 429, network errors).
  bool transient = false;
  // Set for rate limits: how long Slack asked us to wait.
  std::optional<std::chrono::milliseconds> retry_after;
  // Set when our own pacing gave up before sending anything (its next slot was too far off):
  // nothing was tried, so trying again later is not another failed attempt.
  bool not_attempted = false;

  std::string to_string() const { return message.empty() ? code : code + ": " + message; }
};

inline Error make_error(std::string code, std::string message = {}, bool transient = false) {
  Error e;
  e.code = std::move(code);
  e.message = std::move(message);
  e.transient = transient;
  return e;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(data_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(data_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(data_);
  }

 private:
  std::variant<T, Error> data_;
};

// Result of an operation with no value: ok, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  static Status success() { return {}; }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace bridgebot
