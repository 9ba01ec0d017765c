// Checkpointer: copies the WAL back into the database file on a thread and a connection of its
// own (issue 15), for the group commit's writer (group_commit.h).
//
// Private to storage/sqlite.
//
// Why: the writer checkpointed between batches holding the backend's write mutex, so every
// write that queued meanwhile waited for a copy of up to wal_checkpoint_limit_pages pages and
// the database file's fsync (58-87 ms for 8,000 pages, measured during the purge of a million
// rows). A PASSIVE checkpoint needs no write lock: SQLite copies the frames that were in the WAL
// when it began while writers go on appending. So this thread does the long copy, and the writer
// only finishes it, under its lock, once what is left to copy is small: that last checkpoint
// copies the frames appended during the pass, after which the next batch restarts the WAL from
// its start (which needs every frame copied and no writer appending meanwhile).
//
// It changes nothing of what is durable: a checkpoint copies committed frames, syncing the WAL
// before and the file after as synchronous=FULL says, and a failed or interrupted one leaves
// every frame in the WAL, which readers and the next checkpoint use.
//
// Thread safety: request() and last() from any thread; one thread runs the passes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/sqlite_storage.h"

namespace ssooidc::storage::sqlite {

class Checkpointer {
 public:
  Checkpointer(std::string path, const SqliteOptions& options);
  ~Checkpointer();  // lets a pass under way finish, then joins the thread
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Asks for a pass, run once the thread is free (requests made meanwhile are one); returns at
  // once.
  void request();

  // What the last pass that finished found: the frames the WAL held when it began and how many
  // of them are in the file now (both 0 before any, or when it failed or was refused: another
  // checkpoint under way, another process's or the writer's own), and whether a pass is under
  // way or asked for.
  struct Pass {
    std::int64_t wal_frames = 0;
    std::int64_t copied = 0;
    bool busy = false;
  };
  [[nodiscard]] Pass last() const;

 private:
  void run();

  const std::string path_;
  const SqliteOptions& options_;
  std::unique_ptr<Connection> connection_;  // the thread's own, opened at its first pass

  mutable std::mutex mutex_;
  std::condition_variable requested_;
  bool pending_ = false;   // guarded by mutex_
  bool running_ = false;   // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  Pass last_;              // guarded by mutex_
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace ssooidc::storage::sqlite
