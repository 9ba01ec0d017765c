#include "client/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace ssooidc::client {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes a file descriptor on scope exit.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the result (close can report a delayed write error).
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p with mode 0700 for the directories it creates.
std::expected<void, Error> make_dirs(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return std::unexpected(file_error(dir + " exists and is not a directory"));
  }
  if (dir != "/" && dir != ".") {
    if (auto parent = make_dirs(parent_of(dir)); !parent) return parent;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return std::unexpected(file_error("cannot create directory " + dir + ": " + errno_text(errno)));
  }
  return {};
}

}  // namespace

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  out += name;
  return out;
}

// ---- PosixEnv ----------------------------------------------------------------------------------

std::optional<std::string> PosixEnv::get(std::string_view name) const {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> PosixEnv::home_dir() const {
  if (auto home = get("HOME"); home && !home->empty()) return home;
  // getpwuid_r with a buffer sized by sysconf; fall back to a generous fixed size.
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buffer(size > 0 ? static_cast<std::size_t>(size) : 16384, '\0');
  passwd pw{};
  passwd* result = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buffer.data(), buffer.size(), &result) == 0 &&
      result != nullptr && result->pw_dir != nullptr) {
    return std::string(result->pw_dir);
  }
  return std::nullopt;
}

std::expected<std::string, Error> PosixEnv::read_file(const std::string& path) const {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    Error error = file_error("cannot read " + path + ": " + errno_text(err));
    if (err == ENOENT || err == ENOTDIR) error.reason = std::string(kFileNotFound);
    return std::unexpected(std::move(error));
  }
  // Configuration and cache files are small; refuse anything absurd rather than exhaust memory.
  constexpr std::size_t kMaxFileBytes = 16 * 1024 * 1024;
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(file_error("cannot read " + path + ": " + errno_text(errno)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxFileBytes) {
      return std::unexpected(file_error(path + " is larger than 16 MiB"));
    }
  }
  return out;
}

std::expected<void, Error> PosixEnv::write_file_private(const std::string& path,
                                                        std::string_view contents) {
  const std::string dir = parent_of(path);
  if (auto made = make_dirs(dir); !made) return made;
  std::string tmp = path + ".tmp.XXXXXX";
  UniqueFd fd(::mkstemp(tmp.data()));  // mkstemp creates the file with mode 0600
  if (fd.get() < 0) {
    return std::unexpected(
        file_error("cannot create a temporary file in " + dir + ": " + errno_text(errno)));
  }
  auto fail = [&](std::string what) -> std::expected<void, Error> {
    ::unlink(tmp.c_str());
    return std::unexpected(file_error(std::move(what)));
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot chmod " + tmp + ": " + errno_text(errno));
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write " + tmp + ": " + errno_text(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot sync " + tmp + ": " + errno_text(errno));
  if (fd.close() != 0) return fail("cannot close " + tmp + ": " + errno_text(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail("cannot rename " + tmp + " to " + path + ": " + errno_text(errno));
  }
  return {};
}

std::expected<void, Error> PosixEnv::remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return std::unexpected(file_error("cannot remove " + path + ": " + errno_text(errno)));
  }
  return {};
}

std::vector<std::string> PosixEnv::list_files(const std::string& dir) const {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), &::closedir);
  if (!handle) return names;
  while (dirent* entry = ::readdir(handle.get())) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::stat(join_path(dir, name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<unsigned> PosixEnv::file_mode(const std::string& path) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<unsigned>(st.st_mode & 07777);
}

Error file_error(std::string message) {
  return Error::make(ErrorType::kConfiguration, std::move(message));
}

bool is_file_not_found(const Error& error) noexcept {
  return error.type == ErrorType::kConfiguration && error.reason == kFileNotFound;
}

// ---- InMemoryEnv -------------------------------------------------------------------------------

std::optional<std::string> InMemoryEnv::get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::expected<std::string, Error> InMemoryEnv::read_file(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) {
    Error error = file_error("cannot read " + path + ": No such file or directory");
    error.reason = std::string(kFileNotFound);
    return std::unexpected(std::move(error));
  }
  return it->second.contents;
}

std::expected<void, Error> InMemoryEnv::write_file_private(const std::string& path,
                                                           std::string_view contents) {
  if (fail_writes_)
    return std::unexpected(file_error("cannot write " + path + ": injected failure"));
  files_[path] = File{std::string(contents), 0600};
  return {};
}

std::expected<void, Error> InMemoryEnv::remove_file(const std::string& path) {
  files_.erase(path);
  return {};
}

std::vector<std::string> InMemoryEnv::list_files(const std::string& dir) const {
  std::vector<std::string> names;
  std::string prefix = join_path(dir, "");
  for (const auto& [path, file] : files_) {
    if (path.starts_with(prefix) && path.find('/', prefix.size()) == std::string::npos) {
      names.push_back(path.substr(prefix.size()));
    }
  }
  return names;  // std::map keeps them sorted
}

std::optional<unsigned> InMemoryEnv::file_mode(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second.mode;
}

}  // namespace ssooidc::client
