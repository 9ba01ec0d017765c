// FileSharing: whether any other open storage has this SQLite file open: another server process
// (two replicas on one file, tests/e2e/test_replicas.py), an operator command, or a second
// Storage opened on the same file in this process.
//
// Private to storage/sqlite.
//
// Why (issue 15): the shared poll counts (shared_state_stores.h) exist for other openers; with
// none, a count kept in memory is the same count, and writing it costs a write per first poll of
// a code: at 10 million pending codes polled at random, half of the server's CPU. So
// SqlitePollCountStore keeps its counts in memory while `alone()` holds and in the table when not.
//
// How: every opener holds a shared open-file-description lock (F_OFD_SETLK, Linux) on the first
// byte of a file beside the database (PATH-open); another opener's lock shows as a conflict to
// F_OFD_GETLK for an exclusive lock, while this one's own never does. An OFD lock belongs to the
// open file description, so two openers in one process see each other as two processes would;
// it is released when the descriptor is closed or the process dies (kill -9 too), so a crashed
// opener never leaves the others thinking they are shared. When the lock file cannot be opened
// or locked (a read-only directory, a file system without locks), `alone()` is false: the
// table, as before.
//
// Thread safety: `alone()` may be called from any thread.
#pragma once

#include <string>

namespace ssooidc::storage::sqlite {

class FileSharing {
 public:
  explicit FileSharing(const std::string& database_path);
  ~FileSharing();
  FileSharing(const FileSharing&) = delete;
  FileSharing& operator=(const FileSharing&) = delete;

  // True when no other opener holds the file open now (one fcntl call).
  [[nodiscard]] bool alone() const noexcept;

 private:
  int fd_ = -1;  // -1: cannot tell, so never alone
};

}  // namespace ssooidc::storage::sqlite
