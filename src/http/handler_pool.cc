#include "http/handler_pool.h"

#include <algorithm>
#include <utility>

namespace ssooidc::http {

HandlerPool::HandlerPool(int threads, std::size_t queue_limit)
    : queue_limit_(std::max<std::size_t>(queue_limit, 1)) {
  const int count = std::max(threads, 1);
  threads_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { run(); });
}

HandlerPool::~HandlerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool HandlerPool::try_submit(Job& job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

std::size_t HandlerPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void HandlerPool::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // A job catches what its handler throws (Session::run_handler); nothing else in it throws
    // but allocation, which must not take the pool's thread down.
    try {
      job();
    } catch (...) {
    }
  }
}

}  // namespace ssooidc::http
