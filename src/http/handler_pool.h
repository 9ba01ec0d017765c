// HandlerPool: a fixed set of threads that run request handlers which may block on the database
// (issue 12), so that the I/O threads keep serving every other connection meanwhile. Private to
// the http layer.
//
// The queue is bounded: a job that finds it full is refused at once (the session answers 503),
// so a stalled database costs at most `threads` running plus `queue_limit` waiting requests,
// never unbounded memory.
//
// Thread safety: try_submit may be called from any thread. The destructor joins the threads after
// the jobs already running return; jobs still queued are destroyed without running (the server
// destroys the pool only once every connection is gone, so none are left then).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ssooidc::http {

class HandlerPool {
 public:
  using Job = std::function<void()>;

  // `threads` >= 1; `queue_limit` jobs may wait besides those running (at least 1).
  HandlerPool(int threads, std::size_t queue_limit);
  ~HandlerPool();
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // Queues `job` and returns true, moving from it; returns false (and leaves `job` as it was)
  // when the queue is full.
  [[nodiscard]] bool try_submit(Job& job);

  // Jobs waiting, not counting those running (for tests).
  [[nodiscard]] std::size_t queued() const;

 private:
  void run();

  const std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ssooidc::http
