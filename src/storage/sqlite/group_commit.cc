#include "storage/sqlite/group_commit.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/completion_batch.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage {

void SqliteCommitGate::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

void SqliteCommitGate::open() {
  {
    std::lock_guard lock(mutex_);
    closed_ = false;
  }
  changed_.notify_all();
}

void SqliteCommitGate::wait_until_waiting(std::size_t n) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return waiting_ >= n; });
}

std::vector<std::size_t> SqliteCommitGate::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::vector<std::vector<std::string>> SqliteCommitGate::transactions() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

void SqliteCommitGate::committing(std::vector<std::string> operations) {
  std::lock_guard lock(mutex_);
  transactions_.push_back(std::move(operations));
}

std::vector<SqliteCommitGate::Checkpoint> SqliteCommitGate::checkpoints() const {
  std::lock_guard lock(mutex_);
  return checkpoints_;
}

void SqliteCommitGate::checkpointed(bool by_writer, std::int64_t pages) {
  std::lock_guard lock(mutex_);
  if (pages > 0) checkpoints_.push_back({by_writer, pages});
}

void SqliteCommitGate::writes_waiting(std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    waiting_ = n;
  }
  changed_.notify_all();
}

void SqliteCommitGate::pass() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !closed_; });
}

void SqliteCommitGate::took_batch(std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    batches_.push_back(n);
    waiting_ = 0;
  }
  changed_.notify_all();
}

}  // namespace ssooidc::storage

namespace ssooidc::storage::sqlite {
namespace {

Result<void> run_statement(Connection& connection, Sql id) {
  auto statement = connection.statement(id);
  if (!statement) return std::unexpected(std::move(statement.error()));
  return statement->run();
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(Database& database)
    : database_(database),
      checkpointer_(database.pool.path(), database.pool.options()),
      thread_([this] { run(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_one();
  thread_.join();
}

Result<std::int64_t> GroupCommitWriter::submit(std::string_view operation, bool isolated,
                                               Turn turn, void* context, WorkFunction work) {
  PendingWrite pending{.operation = operation,
                       .isolated = isolated,
                       .turn = turn,
                       .context = context,
                       .work = work};
  if (auto refused = enqueue(pending)) return std::unexpected(std::move(*refused));
  std::unique_lock lock(completion_mutex_);
  pending.completed.wait(lock, [&] { return pending.done; });
  return std::move(pending.outcome);
}

std::optional<Error> GroupCommitWriter::enqueue(PendingWrite& pending) {
  SqliteCommitGate* gate = database_.pool.options().commit_gate.get();
  {
    std::lock_guard lock(queue_mutex_);
    const std::size_t limit = database_.pool.options().write_queue_limit;
    if (queue_.size() >= limit) {
      return storage_error(
          StorageErrorCode::kUnavailable, pending.operation,
          "the write queue is full (" + std::to_string(limit) + " writes waiting for a commit)");
    }
    queue_.push_back(&pending);
    if (gate != nullptr) gate->writes_waiting(queue_.size());
  }
  queue_ready_.notify_one();
  return std::nullopt;
}

void GroupCommitWriter::write_without_waiting(std::string_view operation, bool isolated,
                                              Work work, Done done) {
  auto pending = std::make_unique<PendingWrite>();
  pending->operation = operation;
  pending->isolated = isolated;
  pending->owned_work = std::move(work);
  pending->context = &pending->owned_work;
  pending->work = [](void* owned, Connection& connection) -> Result<std::int64_t> {
    return (*static_cast<Work*>(owned))(connection);
  };
  pending->done_without_waiting = std::move(done);
  if (auto refused = enqueue(*pending)) {
    pending->done_without_waiting(std::unexpected(std::move(*refused)));
    return;
  }
  // The queue owns it now; commit_and_answer deletes it once its `done` has been called.
  static_cast<void>(pending.release());
}

void GroupCommitWriter::run() {
  std::vector<PendingWrite*> batch;
  std::vector<PendingWrite*> later;  // the batch's yielding writes
  SqliteCommitGate* gate = database_.pool.options().commit_gate.get();
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every write queued has been answered
    }
    if (gate != nullptr) gate->pass();
    {
      std::lock_guard lock(queue_mutex_);
      batch.swap(queue_);  // every write waiting now; queue_ keeps batch's old capacity
    }
    if (gate != nullptr) gate->took_batch(batch.size());
    // The yielding writes (write_yielding) after the others, each in a transaction of its own.
    const auto yielding = std::stable_partition(batch.begin(), batch.end(), [](PendingWrite* p) {
      return p->turn == Turn::kShared;
    });
    later.assign(yielding, batch.end());
    batch.erase(yielding, batch.end());
    if (!batch.empty()) commit_and_answer(batch, Turn::kShared);
    for (PendingWrite* pending : later) {
      batch.assign(1, pending);
      commit_and_answer(batch, Turn::kAfterOthers);
    }
    batch.clear();
    maybe_checkpoint();
  }
}

int GroupCommitWriter::wal_written(void* writer, sqlite3*, const char*, int pages) {
  auto& self = *static_cast<GroupCommitWriter*>(writer);
  self.wal_pages_ = pages;
  // Restarted from its start: an unfinished checkpoint's mark no longer applies.
  if (pages < self.unfinished_checkpoint_at_) self.unfinished_checkpoint_at_ = 0;
  return SQLITE_OK;
}

void GroupCommitWriter::maybe_checkpoint() {
  const SqliteOptions& options = database_.pool.options();
  if (wal_pages_ - unfinished_checkpoint_at_ < options.wal_checkpoint_idle_pages) return;
  const Checkpointer::Pass pass = checkpointer_.last();
  // A pass that found more frames than the WAL holds now saw the WAL before its restart.
  const std::int64_t left = pass.wal_frames <= wal_pages_ ? wal_pages_ - pass.copied : wal_pages_;
  // Not while a pass is under way (it would find the checkpoint lock taken): after the next
  // batch, also at the limit.
  if (pass.busy) return;
  // The long copy is the checkpointer's; the writer finishes once little is left.
  if (wal_pages_ < options.wal_checkpoint_limit_pages && left > options.wal_checkpoint_finish_pages) {
    checkpointer_.request();
    return;
  }
  std::lock_guard write_lock(database_.write_mutex);
  if (!connection_) return;
  int wal = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr,
                                           SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
  // Busy (another checkpoint under way) or held back by a reader: tried again later. A failure
  // here loses nothing: every page stays in the WAL, which readers and the next checkpoint use.
  if (rc != SQLITE_OK || copied < wal) unfinished_checkpoint_at_ = wal_pages_;
  if (SqliteCommitGate* gate = database_.pool.options().commit_gate.get(); gate != nullptr) {
    gate->checkpointed(true, rc == SQLITE_OK ? copied : 0);
  }
}

void GroupCommitWriter::commit_and_answer(const std::vector<PendingWrite*>& batch, Turn turn) {
  if (SqliteCommitGate* gate = database_.pool.options().commit_gate.get(); gate != nullptr) {
    std::vector<std::string> operations;
    operations.reserve(batch.size());
    for (const PendingWrite* pending : batch) operations.emplace_back(pending->operation);
    gate->committing(std::move(operations));
  }
  commit(batch, turn);
  // The writes nobody waits for, picked out first: once the others are notified their
  // PendingWrites may be gone.
  finished_without_waiting_.clear();
  {
    // Notified under the lock: a caller returns (destroying its PendingWrite) only after it
    // reacquires the lock, so no notify touches a write that is gone.
    std::lock_guard lock(completion_mutex_);
    for (PendingWrite* pending : batch) {
      if (pending->done_without_waiting) {
        finished_without_waiting_.push_back(pending);
        continue;
      }
      pending->done = true;
      pending->completed.notify_one();
    }
  }
  // Their answers wake the threads that send them once, after the last (issue 15).
  const core::CompletionBatch answering;
  for (PendingWrite* pending : finished_without_waiting_) {
    const std::unique_ptr<PendingWrite> owned(pending);
    // A `done` that throws (only allocation can) must not take the writer down with the rest of
    // the batch unanswered.
    try {
      owned->done_without_waiting(std::move(owned->outcome));
    } catch (...) {
    }
  }
  finished_without_waiting_.clear();
}

Result<Connection*> GroupCommitWriter::connection_locked() {
  if (!connection_) {
    auto opened = Connection::open(database_.pool.path(), database_.pool.options());
    if (!opened) return std::unexpected(std::move(opened.error()));
    // Statement journals in memory: every item of a batch is a statement (or a SAVEPOINT) inside
    // the batch's transaction, so SQLite keeps the pages it changes for a rollback of that item
    // alone, and past 64 KiB (an issuance: redeem, two tokens with their indexes, the retry
    // grace entry) it spills them to a temporary file: as many pwrite calls as the WAL itself
    // (perf, issue 15). They are read back only when an item is rolled back, never synced, and
    // emptied when the item ends, so memory holds one item's pages at a time.
    //
    // A page cache of writer_cache_kib: the writer makes nearly every commit of this process, so
    // its cache stays valid from batch to batch (SQLite empties a connection's cache when another
    // connection has committed since its last transaction, as for every reader of the pool),
    // and with SQLite's default of 2 MB the random leaves of the indexes an insert touches
    // (device code and token hashes) were read again with pread (13 % of the writer's time in an
    // issuance run, perf, issue 15).
    const std::string tuning = "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -" +
                               std::to_string(database_.pool.options().writer_cache_kib);
    if (auto tuned = (*opened)->execute_script("open the group commit's connection", tuning);
        !tuned) {
      return std::unexpected(std::move(tuned.error()));
    }
    // In place of SQLite's automatic checkpoint inside a COMMIT (see the top of group_commit.h).
    sqlite3_wal_hook((*opened)->handle(), &GroupCommitWriter::wal_written, this);
    wal_pages_ = 0;
    unfinished_checkpoint_at_ = 0;
    connection_ = std::move(*opened);
  }
  return connection_.get();
}

void GroupCommitWriter::commit(const std::vector<PendingWrite*>& batch, Turn turn) {
  auto fail_all = [&](const Error& error) {
    for (PendingWrite* pending : batch) pending->outcome = std::unexpected(error);
  };
  std::lock_guard write_lock(database_.write_mutex);
  auto connection = connection_locked();
  if (!connection) return fail_all(connection.error());
  Connection& writer = **connection;
  // A yielding write's commit goes without fsync (group_commit.h, write_yielding); on every way
  // out the writer commits with fsync again, or, if that cannot be set, a new connection (opened
  // with synchronous=FULL) takes over, so no acknowledged insert is committed without one.
  struct SyncedAgain {
    std::unique_ptr<Connection>& connection;
    ~SyncedAgain() {
      if (connection && !connection->execute_script("commit with fsync", "PRAGMA synchronous = FULL"))
        connection.reset();
    }
  };
  std::optional<SyncedAgain> synced_again;
  if (turn == Turn::kAfterOthers) {
    synced_again.emplace(SyncedAgain{connection_});
    if (auto unsynced = writer.execute_script("commit without fsync", "PRAGMA synchronous = NORMAL");
        !unsynced) {
      return fail_all(unsynced.error());
    }
  }
  {
    auto transaction = WriteTransaction::begin(writer);
    if (!transaction) return fail_all(transaction.error());
    std::optional<Error> failed;
    for (PendingWrite* pending : batch) {
      if (auto ran = run_item(writer, *pending); !ran) {
        failed = std::move(ran.error());
        break;
      }
    }
    if (!failed) {
      if (auto committed = transaction->commit(); !committed) failed = std::move(committed.error());
    }
    if (failed) fail_all(*failed);  // `transaction` rolls back on leaving this scope
  }
  // A ROLLBACK that failed leaves the connection inside the transaction: closing it rolls back,
  // and the next batch opens a new one.
  if (writer.in_transaction()) connection_.reset();
}

Result<void> GroupCommitWriter::run_item(Connection& writer, PendingWrite& pending) {
  if (pending.isolated) {
    if (auto begun = run_statement(writer, Sql::kSavepoint); !begun) return begun;
  }
  Result<std::int64_t> outcome = pending.work(pending.context, writer);
  // A taken key backs out this statement only (SQLite's ABORT), and the transaction goes on.
  if (!outcome && (storage_error_code(outcome.error()) != StorageErrorCode::kAlreadyExists ||
                   !writer.in_transaction())) {
    return std::unexpected(std::move(outcome.error()));
  }
  if (pending.isolated) {
    // A declined or refused item keeps none of its statements.
    if (!outcome || *outcome == 0) {
      if (auto undone = run_statement(writer, Sql::kRollbackToSavepoint); !undone) return undone;
    }
    if (auto released = run_statement(writer, Sql::kReleaseSavepoint); !released) return released;
  }
  pending.outcome = std::move(outcome);
  return {};
}

}  // namespace ssooidc::storage::sqlite
