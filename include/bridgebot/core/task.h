// Task<T>: a lazy C++20 coroutine returning T. Nothing runs until it is awaited (`co_await
// std::move(task)`, from another coroutine) or started with start_detached(). Awaiting transfers
// control symmetrically: a chain of nested tasks finishing at once does not grow the stack.
//
// A Task owns its coroutine frame: destroying a Task that was never started destroys the frame
// (and its parameters) without running it. Coroutine parameters live in the frame, so take them
// by value: a reference parameter may dangle once the caller's full expression has ended.
// GCC 12 miscompiles two coroutine patterns (seen under asan): a braced or other temporary passed
// as a by-value coroutine argument (it is destroyed twice: name it and pass the name), and
// co_await inside a condition (`if (x && co_await y)`: await into a local first).
// An exception escaping a task is rethrown to its awaiter; one escaping a detached task ends the
// process (bridgebot reports failures as Result values, so this is a bug, not a condition).
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace bridgebot::core {

template <typename T>
class Task;

namespace detail {

struct TaskPromiseBase {
  std::coroutine_handle<> continuation;  // who awaits this task; null: nobody (yet)
  std::exception_ptr exception;

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> done) const noexcept {
      if (auto next = done.promise().continuation) return next;
      return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

template <typename T>
struct TaskPromise : TaskPromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& result) {
    value.emplace(std::forward<U>(result));
  }
  T take() {
    if (exception) std::rethrow_exception(exception);
    return std::move(*value);
  }
};

template <>
struct TaskPromise<void> : TaskPromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void take() const {
    if (exception) std::rethrow_exception(exception);
  }
};

}  // namespace detail

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle handle) noexcept : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  // Starts the task; the awaiting coroutine resumes, with the result, when it finishes.
  auto operator co_await() && noexcept {
    struct Awaiter {
      Handle task;
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        task.promise().continuation = awaiting;
        return task;
      }
      T await_resume() { return task.promise().take(); }
    };
    return Awaiter{handle_};
  }

 private:
  void reset() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }

  Handle handle_;
};

namespace detail {

template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}

inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

// A coroutine that starts at once and frees its own frame when it ends.
struct Detached {
  struct promise_type {
    Detached get_return_object() const noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }
  };
};

template <typename T, typename Done>
Detached run_detached(Task<T> task, Done done) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
    done();
  } else {
    done(co_await std::move(task));
  }
}

}  // namespace detail

// Runs `task` on the calling thread until its first suspension; it goes on wherever it is resumed
// (e.g. an Executor thread). `done(result)` (or `done()` for Task<void>) runs once at the end,
// on the thread that finished the task; then every frame of the task is freed.
template <typename T, typename Done>
void start_detached(Task<T> task, Done done) {
  detail::run_detached(std::move(task), std::move(done));
}

// Runs `task` to its end on the calling thread and returns its result: for a task whose awaits
// all finish at once (blocking calls behind a coroutine written once for both ways of calling).
// A task that suspends anyway ends the process: nothing could resume it here.
template <typename T>
T run_inline(Task<T> task) {
  std::optional<T> result;
  start_detached(std::move(task), [&result](T value) { result.emplace(std::move(value)); });
  if (!result) std::terminate();
  return std::move(*result);
}

}  // namespace bridgebot::core
