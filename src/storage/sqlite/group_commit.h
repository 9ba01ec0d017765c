// GroupCommitWriter: the SQLite backend's group commit (issue 15). One thread commits the inserts
// of every caller waiting at that moment in one transaction with one fsync, then answers them all.
//
// Private to storage/sqlite.
//
// Why: with synchronous=FULL each commit syncs the WAL (0.5 ms on an idle disk here, several ms on
// a loaded one), and SQLite admits one writer at a time, so writers that each commit alone are held
// to one row per fsync however many threads wait. Grouped, every writer waiting shares one fsync.
//
// What `write` returns: the rows its statement changed, once the transaction holding it has been
// committed and synced, which is the promise of a synchronous=FULL commit of its own: the row
// survives kill -9 and power loss. Failures:
//   - the statement hits a PRIMARY KEY or UNIQUE key: kAlreadyExists for that write alone (SQLite
//     backs out just that statement; the others of the batch go on);
//   - anything else fails (BEGIN, a statement, COMMIT: I/O, a full disk, busy past the timeout, an
//     injected fault): the transaction is rolled back and every write of the batch gets that error,
//     so nothing of a failed batch is stored;
//   - `SqliteOptions::write_queue_limit` writes are waiting already: refused at once, nothing
//     stored, with kUnavailable (the mapping rule of storage_error.h: the backend cannot take it
//     now) described "the write queue is full (N writes waiting for a commit)".
// Only single-statement writes are grouped (one INSERT each): a statement is atomic by itself, so
// a write's failure never leaves part of it behind.
//
// The batch holds Database::write_mutex from BEGIN to the end of COMMIT, so the backend's other
// writers (compound transactions on pooled connections) still run one at a time with it.
//
// Thread safety: `write` may be called from any number of threads at once; it blocks its caller
// until its batch is done, holding no connection meanwhile. The statement is bound on the writer's
// thread by the caller's `bind`, whose references stay valid because the caller is waiting. The
// destructor lets the writes already queued finish, then joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/sqlite/connection.h"
#include "storage/storage.h"

namespace ssooidc::storage::sqlite {

struct Database;

class GroupCommitWriter {
 public:
  explicit GroupCommitWriter(Database& database);
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Runs statement `id` after `bind(Statement&)` in the next batch; see the top of this file.
  template <typename Bind>
  [[nodiscard]] Result<std::int64_t> write(Sql id, Bind& bind) {
    return submit(id, [](void* context, Statement& statement) {
      (*static_cast<Bind*>(context))(statement);
    }, &bind);
  }

 private:
  using BindFunction = void (*)(void* context, Statement& statement);

  // One caller's write, on the caller's stack while it waits.
  struct PendingWrite {
    Sql id;
    BindFunction bind;
    void* bind_context;
    Result<std::int64_t> outcome{0};
    bool done = false;  // guarded by completion_mutex_
    std::condition_variable completed;
  };

  Result<std::int64_t> submit(Sql id, BindFunction bind, void* bind_context);
  void run();
  // Runs and commits `batch`, setting every write's outcome. Holds write_mutex.
  void commit(const std::vector<PendingWrite*>& batch);
  Result<Connection*> connection_locked();

  Database& database_;
  std::unique_ptr<Connection> connection_;  // the writer thread's own (synchronous=FULL)

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::vector<PendingWrite*> queue_;  // guarded by queue_mutex_
  bool stopping_ = false;             // guarded by queue_mutex_
  std::mutex completion_mutex_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace ssooidc::storage::sqlite
