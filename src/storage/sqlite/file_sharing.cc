#include "storage/sqlite/file_sharing.h"

#include <fcntl.h>
#include <unistd.h>

namespace ssooidc::storage::sqlite {
namespace {

struct flock first_byte(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 1;
  lock.l_pid = 0;  // OFD locks require 0
  return lock;
}

}  // namespace

FileSharing::FileSharing(const std::string& database_path) {
  // 0600 as the database itself (sqlite_storage.cc tightens that one); it holds no data.
  // O_NOFOLLOW, as for the secret files: a symbolic link planted in the database's directory
  // does not make the server create or lock a file elsewhere.
  const int fd = ::open((database_path + "-open").c_str(),
                        O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  struct flock shared = first_byte(F_RDLCK);
  if (::fcntl(fd, F_OFD_SETLK, &shared) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

FileSharing::~FileSharing() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileSharing::alone() const noexcept {
  if (fd_ < 0) return false;
  struct flock probe = first_byte(F_WRLCK);
  if (::fcntl(fd_, F_OFD_GETLK, &probe) != 0) return false;
  return probe.l_type == F_UNLCK;
}

}  // namespace ssooidc::storage::sqlite
