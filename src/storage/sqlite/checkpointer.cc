#include "storage/sqlite/checkpointer.h"

#include <sqlite3.h>

#include <utility>

namespace ssooidc::storage::sqlite {

Checkpointer::Checkpointer(std::string path, const SqliteOptions& options)
    : path_(std::move(path)), options_(options), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  requested_.notify_one();
  thread_.join();
}

void Checkpointer::request() {
  {
    std::lock_guard lock(mutex_);
    if (pending_ || running_) return;
    pending_ = true;
  }
  requested_.notify_one();
}

Checkpointer::Pass Checkpointer::last() const {
  std::lock_guard lock(mutex_);
  Pass pass = last_;
  pass.busy = pending_ || running_;
  return pass;
}

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      requested_.wait(lock, [this] { return stopping_ || pending_; });
      if (stopping_) return;
      pending_ = false;
      running_ = true;
    }
    Pass pass;
    if (!connection_) {
      if (auto opened = Connection::open(path_, options_)) connection_ = std::move(*opened);
    }
    if (connection_) {
      int wal = 0;
      int copied = 0;
      const int rc = sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr,
                                               SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
      if (rc == SQLITE_OK && wal >= 0 && copied >= 0) pass = {wal, copied, false};
    }
    if (SqliteCommitGate* gate = options_.commit_gate.get(); gate != nullptr) {
      gate->checkpointed(false, pass.copied);
    }
    std::lock_guard lock(mutex_);
    running_ = false;
    last_ = pass;
  }
}

}  // namespace ssooidc::storage::sqlite
