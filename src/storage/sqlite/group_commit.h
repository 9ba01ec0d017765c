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
// Two kinds of write are grouped:
//   - `write`: one statement (an INSERT), atomic by itself, so its failure leaves nothing behind;
//   - `write_isolated`: a compound write (redeem a one-time value and insert its tokens and its
//     retry-grace entry; rotate a refresh token likewise), run inside a SAVEPOINT of the batch's
//     transaction, so an issuance is one item of one batch. When it returns false
//     (nothing qualified: already redeemed, expired, another client's) or fails with
//     kAlreadyExists, the writer rolls back to its savepoint, so nothing of that item is kept and
//     the rest of the batch goes on; any other failure fails the batch as above. Its conditional
//     UPDATE keeps single use: items run one after the other on the one connection, so of two
//     redemptions of one value in a batch (or in two batches) only the first changes the row.
//
// Checkpoints: SQLite's own (every 1,000 pages of WAL) ran inside the COMMIT of whichever batch
// crossed the mark, so that batch's writers waited for a copy of the WAL into the file and its
// fsync besides their own. The writer's connection has it off. Once the WAL holds
// SqliteOptions::wal_checkpoint_idle_pages, the writer asks the Checkpointer (checkpointer.h)
// for a pass: a PASSIVE checkpoint on a thread and connection of its own, holding no write, while
// the batches go on. Between two batches the writer finishes it itself, holding write_mutex: when
// the checkpointer's last pass left at most wal_checkpoint_finish_pages to copy (the frames
// appended during it), or, whatever is left, when the WAL reaches wal_checkpoint_limit_pages,
// which bounds it. Then no other writer of this process appends, every frame gets copied, and
// the next batch restarts the WAL from its start. A finishing checkpoint that readers (or another
// process's checkpoint) keep from finishing is tried again once the WAL has grown by another
// wal_checkpoint_idle_pages. Checkpoints sync as synchronous=FULL says, so they change nothing of
// what is durable.
//
// The batch holds Database::write_mutex from BEGIN to the end of COMMIT, so the backend's other
// writers (compound transactions on pooled connections) still run one at a time with it. The
// writer's connection keeps its statement journals (what undoes one item) in memory.
//
// Writes nobody waits for (write_without_waiting, issue 15: a durable write completes on the I/O
// thread): the same items in the same batches, but the caller returns at once and the item's
// `done` is called on the writer's thread once its batch is committed and synced (or failed), so
// that a request thread never sits out an fsync. Every `done` of a batch is called after its
// COMMIT has returned, in queue order, before the writer takes its next batch.
//
// Thread safety: `write` may be called from any number of threads at once; it blocks its caller
// until its batch is done, holding no connection meanwhile. The statement is bound on the writer's
// thread by the caller's `bind`, whose references stay valid because the caller is waiting. The
// destructor lets the writes already queued finish, then joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/sqlite/checkpointer.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/statements.h"
#include "storage/storage.h"

namespace ssooidc::storage::sqlite {

struct Database;

class GroupCommitWriter {
 public:
  explicit GroupCommitWriter(Database& database);
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Runs statement `id` after `bind(Statement&)` in the next batch and returns the rows it
  // changed; see the top of this file.
  template <typename Bind>
  [[nodiscard]] Result<std::int64_t> write(Sql id, Bind& bind) {
    return write_statement(id, bind, Turn::kShared);
  }

  // As `write`, for one batch of a long run of writes that no caller waits for (the purge's
  // DELETE batches, issue 15): committed in a transaction of its own, after the ordinary writes
  // taken with it. So the inserts that queue while a purge of a million rows goes on are
  // committed between its batches, each in a transaction as short as without a purge, instead
  // of waiting in one with a thousand deletes; and the purge still moves on by one batch for
  // every batch of inserts, so a steady stream of inserts cannot starve it. Its transaction is
  // committed without fsync (synchronous=NORMAL for that commit alone): nobody is promised that
  // a purge's deletes survive power loss (a row that comes back is purged again), the next
  // batch's synced commit makes them durable with its own, and a purge of a million rows in
  // small batches would otherwise add an fsync per batch in front of the inserts waiting.
  template <typename Bind>
  [[nodiscard]] Result<std::int64_t> write_yielding(Sql id, Bind& bind) {
    return write_statement(id, bind, Turn::kAfterOthers);
  }

  // What a write nobody waits for runs on the writer's connection (the rows it changed; for an
  // isolated one 1 to keep and 0 to roll back), and what gets its outcome.
  using Work = std::move_only_function<Result<std::int64_t>(Connection&)>;
  using Done = std::move_only_function<void(Result<std::int64_t>)>;

  // Queues `work` for the next batch (in a savepoint of its own when `isolated`, as
  // write_isolated) and returns at once. `done` is called exactly once: with the outcome `write`
  // or `write_isolated` would return (1 or 0 for an isolated one), on the writer's thread after
  // the batch's COMMIT (synced) or its failure; or, when the queue is full, with the queue-full
  // error on this thread before this returns. `done` must be quick and never block: the next
  // batch waits for it.
  void write_without_waiting(std::string_view operation, bool isolated, Work work, Done done);

  // Runs `work(Connection&) -> Result<bool>` in the next batch inside a savepoint of its own,
  // kept when it returns true, rolled back when it returns false or fails; see the top of this
  // file. `operation` names it in the queue-full error.
  template <typename Work>
  [[nodiscard]] Result<bool> write_isolated(std::string_view operation, Work& work) {
    auto kept = submit(operation, true, Turn::kShared, &work,
                       [](void* opaque, Connection& connection) -> Result<std::int64_t> {
                         Result<bool> done = (*static_cast<Work*>(opaque))(connection);
                         if (!done) return std::unexpected(std::move(done.error()));
                         return *done ? 1 : 0;
                       });
    if (!kept) return std::unexpected(std::move(kept.error()));
    return *kept == 1;
  }

 private:
  // Which transaction a write is committed in: the batch's shared one, or one of its own after
  // it (write_yielding).
  enum class Turn { kShared, kAfterOthers };

  template <typename Bind>
  Result<std::int64_t> write_statement(Sql id, Bind& bind, Turn turn) {
    struct Context {
      Sql id;
      Bind& bind;
    } context{id, bind};
    return submit(sql_statement(id).operation, false, turn, &context,
                  [](void* opaque, Connection& connection) -> Result<std::int64_t> {
                    auto& [statement_id, bind_statement] = *static_cast<Context*>(opaque);
                    auto statement = connection.statement(statement_id);
                    if (!statement) return std::unexpected(std::move(statement.error()));
                    bind_statement(*statement);
                    if (auto ran = statement->run(); !ran) {
                      return std::unexpected(std::move(ran.error()));
                    }
                    return connection.changes();
                  });
  }

  // Runs one write on the writer's connection: the rows changed (for `write_isolated`, 1 to keep
  // and 0 to roll back).
  using WorkFunction = Result<std::int64_t> (*)(void* context, Connection& connection);

  // One caller's write, on the caller's stack while it waits; a write nobody waits for is on the
  // heap, owned by the queue and then the batch, with its work and `done` inside.
  struct PendingWrite {
    std::string_view operation;
    bool isolated = false;  // in a savepoint of its own
    Turn turn = Turn::kShared;
    void* context = nullptr;
    WorkFunction work = nullptr;
    Result<std::int64_t> outcome{0};
    bool done = false;  // guarded by completion_mutex_
    std::condition_variable completed;
    Work owned_work;             // write_without_waiting's (`context` points to it)
    Done done_without_waiting;  // set: nobody waits; called instead of `completed`
  };

  Result<std::int64_t> submit(std::string_view operation, bool isolated, Turn turn, void* context,
                              WorkFunction work);
  // Queues `pending`, or returns the queue-full error (nothing queued).
  std::optional<Error> enqueue(PendingWrite& pending);
  // Runs `pending` in the batch's transaction; an error fails the whole batch.
  Result<void> run_item(Connection& writer, PendingWrite& pending);
  void run();
  // Runs and commits `batch`, setting every write's outcome; synced unless `turn` is
  // kAfterOthers (write_yielding). Holds write_mutex.
  void commit(const std::vector<PendingWrite*>& batch, Turn turn);
  // Commits `batch` and answers its writers.
  void commit_and_answer(const std::vector<PendingWrite*>& batch, Turn turn);
  Result<Connection*> connection_locked();
  // Asks the checkpointer for a pass, or finishes one, when it is due (see the top of this
  // file); on the writer's thread.
  void maybe_checkpoint();
  // sqlite3_wal_hook's callback on the writer's connection: `pages` are in the WAL now.
  static int wal_written(void* writer, sqlite3* db, const char* schema, int pages);

  Database& database_;
  std::unique_ptr<Connection> connection_;  // the writer thread's own (synchronous=FULL)
  // Pages in the WAL after the writer's last commit, and what it held at the last checkpoint
  // that did not finish; the writer's thread only.
  std::int64_t wal_pages_ = 0;
  std::int64_t unfinished_checkpoint_at_ = 0;

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::vector<PendingWrite*> queue_;  // guarded by queue_mutex_
  bool stopping_ = false;             // guarded by queue_mutex_
  std::mutex completion_mutex_;
  std::vector<PendingWrite*> finished_without_waiting_;  // the writer's thread only
  Checkpointer checkpointer_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace ssooidc::storage::sqlite
