// powercut: an LD_PRELOAD library that lets a test cut the power under a process (issue 15).
//
// A kill -9 keeps what the process wrote in the operating system's cache; a power cut keeps only
// what was synced. This library keeps, beside every file under $POWERCUT_DIR (except SQLite's
// -shm, which SQLite rebuilds from the WAL after a crash), a shadow "FILE.synced" holding exactly
// what fsync/fdatasync made durable: writes and truncations are recorded in memory as they happen
// and applied to the shadow only when the file is synced, and then only those that completed
// before the sync began. After killing the process, a test that puts each FILE.synced in place of
// FILE sees the disk as a power cut at that moment would have left it, losing every unsynced
// write at once (the worst case a disk may choose).
//
// Simplifications, all on the side of a real disk being kinder: creating and unlinking files is
// durable at once (directory entries need no sync), and so is a hard link (link(), how the server
// puts its key file in place: the new name gets the old one's shadow); a sync covers the writes of every descriptor
// of the file (as Linux's fsync does for the inode); only pwrite/pwrite64/write, ftruncate and the
// two syncs are watched (what SQLite's unix VFS uses; mmap writes are not, and SQLite writes the
// database only through pwrite unless mmap_size is set).
//
// Test-only: built by tests/crash/CMakeLists.txt, never linked into the product.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

struct Change {
  bool truncate = false;
  off_t offset = 0;  // of the write, or the length truncated to
  std::string data;
};

struct Tracked {
  std::string path;
  std::vector<Change> unsynced;  // in the order they completed
};

template <typename F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// Everything below is guarded by mutex(); a sync holds it throughout, so that writes completing
// during a sync wait for the next one and shadows are updated in order.
std::recursive_mutex& mutex() {
  static std::recursive_mutex m;
  return m;
}
std::map<std::string, Tracked>& files() {  // by path
  static std::map<std::string, Tracked> f;
  return f;
}
std::map<int, std::string>& descriptors() {  // fd -> path
  static std::map<int, std::string> d;
  return d;
}

const std::string& watched_dir() {
  static const std::string dir = [] {
    const char* d = std::getenv("POWERCUT_DIR");
    std::string s = d != nullptr ? d : "";
    if (!s.empty() && s.back() != '/') s += '/';
    return s;
  }();
  return dir;
}

bool watched(const std::string& path) {
  const std::string& dir = watched_dir();
  if (dir.empty() || path.rfind(dir, 0) != 0) return false;
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, "-shm") == 0) return false;
  if (path.size() >= 7 && path.compare(path.size() - 7, 7, ".synced") == 0) return false;
  return true;
}

std::string absolute(const char* path) {
  if (path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

using open_fn = int (*)(const char*, int, ...);
using pwrite_fn = ssize_t (*)(int, const void*, size_t, off_t);
using write_fn = ssize_t (*)(int, const void*, size_t);
using ftruncate_fn = int (*)(int, off_t);
using sync_fn = int (*)(int);
using close_fn = int (*)(int);
using unlink_fn = int (*)(const char*);
using link_fn = int (*)(const char*, const char*);

// Copies the current content of `path` into its shadow: at open, what is there already counts as
// synced (the test starts from a synced state).
void start_shadow(const std::string& path) {
  const std::string shadow = path + ".synced";
  static const auto real_open = next<open_fn>("open");
  static const auto real_close = next<close_fn>("close");
  static const auto real_pwrite = next<pwrite_fn>("pwrite");
  struct stat info{};
  if (::stat(shadow.c_str(), &info) == 0) return;  // another descriptor started it
  const int out = real_open(shadow.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) return;
  const int in = real_open(path.c_str(), O_RDONLY);
  if (in >= 0) {
    char buffer[65536];
    off_t at = 0;
    ssize_t got;
    while ((got = ::pread(in, buffer, sizeof buffer, at)) > 0) {
      (void)real_pwrite(out, buffer, static_cast<size_t>(got), at);
      at += got;
    }
    real_close(in);
  }
  real_close(out);
}

void track(int fd, const char* raw_path) {
  if (fd < 0 || watched_dir().empty()) return;
  const std::string path = absolute(raw_path);
  if (!watched(path)) return;
  std::lock_guard lock(mutex());
  start_shadow(path);
  descriptors()[fd] = path;
  files()[path].path = path;
}

Tracked* tracked(int fd) {
  auto it = descriptors().find(fd);
  if (it == descriptors().end()) return nullptr;
  return &files()[it->second];
}

void record_write(int fd, const void* data, ssize_t written, off_t offset) {
  if (written <= 0) return;
  std::lock_guard lock(mutex());
  Tracked* file = tracked(fd);
  if (file == nullptr) return;
  file->unsynced.push_back(
      {false, offset, std::string(static_cast<const char*>(data), static_cast<size_t>(written))});
}

// Applies what was written to `fd`'s file before this sync began.
void synced(int fd, const std::vector<Change>& durable) {
  Tracked* file = tracked(fd);
  if (file == nullptr) return;
  static const auto real_open = next<open_fn>("open");
  static const auto real_close = next<close_fn>("close");
  static const auto real_pwrite = next<pwrite_fn>("pwrite");
  static const auto real_ftruncate = next<ftruncate_fn>("ftruncate");
  const int shadow = real_open((file->path + ".synced").c_str(), O_WRONLY | O_CREAT, 0600);
  if (shadow < 0) return;
  for (const Change& change : durable) {
    if (change.truncate) {
      (void)real_ftruncate(shadow, change.offset);
    } else {
      (void)real_pwrite(shadow, change.data.data(), change.data.size(), change.offset);
    }
  }
  real_close(shadow);
}

int sync_with(sync_fn real, int fd) {
  std::lock_guard lock(mutex());
  Tracked* file = tracked(fd);
  if (file == nullptr) return real(fd);
  std::vector<Change> durable = std::move(file->unsynced);
  file->unsynced.clear();
  const int rc = real(fd);
  if (rc == 0) {
    synced(fd, durable);
  } else {
    // A failed sync made nothing durable: keep the changes waiting for the next one.
    durable.insert(durable.end(), file->unsynced.begin(), file->unsynced.end());
    file->unsynced = std::move(durable);
  }
  return rc;
}

// What open and open64 share: `args` holds the mode when the flags create a file.
int open_with(open_fn real, const char* path, int flags, va_list args) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) mode = static_cast<mode_t>(va_arg(args, int));
  const int fd = real(path, flags, mode);
  track(fd, path);
  return fd;
}

// What pwrite and pwrite64 share.
ssize_t pwrite_with(pwrite_fn real, int fd, const void* data, size_t size, off_t offset) {
  const ssize_t written = real(fd, data, size, offset);
  record_write(fd, data, written, offset);
  return written;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  static const auto real = next<open_fn>("open");
  va_list args;
  va_start(args, flags);
  const int fd = open_with(real, path, flags, args);
  va_end(args);
  return fd;
}

int open64(const char* path, int flags, ...) {
  static const auto real = next<open_fn>("open64");
  va_list args;
  va_start(args, flags);
  const int fd = open_with(real, path, flags, args);
  va_end(args);
  return fd;
}

ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  static const auto real = next<pwrite_fn>("pwrite");
  return pwrite_with(real, fd, data, size, offset);
}

ssize_t pwrite64(int fd, const void* data, size_t size, off_t offset) {
  static const auto real = next<pwrite_fn>("pwrite64");
  return pwrite_with(real, fd, data, size, offset);
}

ssize_t write(int fd, const void* data, size_t size) {
  static const auto real = next<write_fn>("write");
  off_t offset = -1;
  {
    std::lock_guard lock(mutex());
    if (tracked(fd) != nullptr) offset = ::lseek(fd, 0, SEEK_CUR);
  }
  const ssize_t written = real(fd, data, size);
  if (offset >= 0) record_write(fd, data, written, offset);
  return written;
}

int ftruncate(int fd, off_t length) {
  static const auto real = next<ftruncate_fn>("ftruncate");
  const int rc = real(fd, length);
  if (rc == 0) {
    std::lock_guard lock(mutex());
    if (Tracked* file = tracked(fd)) file->unsynced.push_back({true, length, {}});
  }
  return rc;
}

int ftruncate64(int fd, off_t length) { return ftruncate(fd, length); }

int fsync(int fd) {
  static const auto real = next<sync_fn>("fsync");
  return sync_with(real, fd);
}

int fdatasync(int fd) {
  static const auto real = next<sync_fn>("fdatasync");
  return sync_with(real, fd);
}

int close(int fd) {
  static const auto real = next<close_fn>("close");
  {
    std::lock_guard lock(mutex());
    descriptors().erase(fd);  // its unsynced writes stay with the file, as in the page cache
  }
  return real(fd);
}

int unlink(const char* raw_path) {
  static const auto real = next<unlink_fn>("unlink");
  const int rc = real(raw_path);
  if (rc == 0 && !watched_dir().empty()) {
    const std::string path = absolute(raw_path);
    if (watched(path)) {
      std::lock_guard lock(mutex());
      files().erase(path);
      static const auto real_unlink = next<unlink_fn>("unlink");
      (void)real_unlink((path + ".synced").c_str());
    }
  }
  return rc;
}

int link(const char* raw_from, const char* raw_to) {
  static const auto real = next<link_fn>("link");
  const int rc = real(raw_from, raw_to);
  if (rc == 0 && !watched_dir().empty()) {
    const std::string from = absolute(raw_from);
    const std::string to = absolute(raw_to);
    if (watched(from) && watched(to)) {
      std::lock_guard lock(mutex());
      (void)real((from + ".synced").c_str(), (to + ".synced").c_str());
    }
  }
  return rc;
}

}  // extern "C"
