// A process-wide pool of worker threads, created on first use and kept, because creating and
// joining a thread per call costs a sizeable share of a frame on virtual machines (README,
// "Threads without variance").
// One call uses the pool at a time; a concurrent call is told so and brings its own threads.
// A child process made by fork() (Python's multiprocessing does this) has none of the parent's
// threads: the pool forgets them there and starts new ones when asked.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif

#include "assert.hpp"

namespace lkflow::detail {

class ThreadPool {
 public:
  static ThreadPool& instance() {
    static ThreadPool pool;
    return pool;
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  /// Runs task(0), ..., task(workers-1), task(0) on the calling thread and the others on pool
  /// threads, and returns once all have returned. `task` must not throw. Returns false, having
  /// run nothing, when another call is using the pool. Uses fewer workers if the system cannot
  /// start more threads, so `task` must share its work dynamically.
  template <class Task>
  bool try_run(int workers, Task& task) {
    LKFLOW_ASSERT(workers >= 1, "at least the calling thread works");
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    while (static_cast<int>(threads_.size()) < workers - 1) {
      try {
        const int index = static_cast<int>(threads_.size()) + 1;
        threads_.emplace_back([this, index] { serve(index); });
      } catch (const std::system_error&) {
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      invoke_ = [](void* t, int worker) { (*static_cast<Task*>(t))(worker); };
      task_ = &task;
      active_ = std::min(workers, static_cast<int>(threads_.size()) + 1);
      pending_ = active_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    task(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    return true;
  }

 private:
  ThreadPool() {
#if defined(__unix__) || defined(__APPLE__)
    pthread_atfork(nullptr, nullptr, [] { instance().forget_threads_after_fork(); });
#endif
  }

  /// In a forked child: the workers did not follow, and a parent thread may have held the locks
  /// at the fork. Without this, the next call would hand work to threads that do not exist and
  /// wait for them forever. The stale std::thread objects are leaked, not destroyed: destroying
  /// a joinable one terminates the process, and there is nothing to join.
  void forget_threads_after_fork() {
    new std::vector<std::thread>(std::move(threads_));
    threads_.clear();
    new (&busy_) std::mutex;
    new (&mutex_) std::mutex;
    new (&wake_) std::condition_variable;
    new (&done_) std::condition_variable;
    active_ = pending_ = 0;
  }

  void serve(int index) {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= active_) continue;  // this call needs fewer threads
      void (*invoke)(void*, int) = invoke_;
      void* task = task_;
      lock.unlock();
      invoke(task, index);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex busy_;  // held by the call using the pool
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  std::uint64_t generation_ = 0;
  int active_ = 0, pending_ = 0;
  void (*invoke_)(void*, int) = nullptr;
  void* task_ = nullptr;
  bool stop_ = false;
};

}  // namespace lkflow::detail
