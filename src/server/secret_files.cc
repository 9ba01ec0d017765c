#include "server/secret_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "crypto/crypto.h"
#include "crypto/sealed_box.h"

namespace ssooidc::server {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string decode_key(const std::string& text, const std::string& where) {
  std::string trimmed = text;
  // `echo`, editors and secret stores end the text with a newline (CRLF on some).
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' ||
                              trimmed.back() == ' '))
    trimmed.pop_back();
  auto key = crypto::base64url_decode(trimmed);
  if (!key || key->size() != crypto::kSealKeyBytes)
    throw std::runtime_error(where + " does not hold a key: expected 43 base64url characters "
                             "(32 bytes)");
  return std::move(*key);
}

}  // namespace

std::optional<std::string> sqlite_file_of(const std::string& database_url) {
  if (database_url.starts_with("sqlite://")) return database_url.substr(9);
  if (database_url.starts_with("sqlite:")) return database_url.substr(7);
  return std::nullopt;
}

void write_private_file(const std::string& path, const std::string& content) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(parent, ignored);
  }
  // O_NOFOLLOW: a link planted at the path cannot send the secret somewhere else.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + path + ": " + errno_text());
  // O_CREAT's mode applies only to a new file: make an old one private too.
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const std::string failure = ok ? "" : errno_text();
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path + ": " + failure);
}

bool create_private_file(const std::string& path, const std::string& content) {
  // Written in full under a name of its own, then linked into place: link() never replaces, so
  // a reader never sees a half-written file and two creators cannot both win.
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  write_private_file(temporary, content);
  const bool created = ::link(temporary.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (!created && link_errno != EEXIST)
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(link_errno));
  if (created) {
    // The new name must survive a power cut as its content does: the database may soon hold
    // signing keys sealed with this key.
    std::string parent = std::filesystem::path(path).parent_path().string();
    if (parent.empty()) parent = ".";
    const int directory = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = directory >= 0 && ::fsync(directory) == 0;
    const std::string failure = synced ? "" : errno_text();
    if (directory >= 0) ::close(directory);
    if (!synced) throw std::runtime_error("cannot sync the directory of " + path + ": " + failure);
  }
  return created;
}

std::string load_or_create_server_key(const std::string& database_url, const std::string& key_file,
                                      core::Random& random) {
  if (const char* env = std::getenv("SSOOIDC_KEY"); env != nullptr && *env != '\0')
    return decode_key(env, "SSOOIDC_KEY");
  std::string path = key_file;
  if (path.empty()) {
    // Every replica on one PostgreSQL must unseal the same signing keys, and there is no file
    // beside the database to keep the key in: the operator gives it (issue 12).
    if (database_url.starts_with("postgres://") || database_url.starts_with("postgresql://"))
      throw std::runtime_error(
          "a PostgreSQL database needs the same key on every replica: set SSOOIDC_KEY or "
          "--key-file (created on first start if missing)");
    auto file = sqlite_file_of(database_url);
    if (!file) return random.bytes(crypto::kSealKeyBytes);  // memory: nothing persists
    path = *file + ".key";
  }
  struct stat info{};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) throw std::runtime_error("cannot read key file " + path + ": " + errno_text());
    std::string key = random.bytes(crypto::kSealKeyBytes);
    // Replicas started at once on one database may all find no key file: the first to create
    // it wins, and the others read the key it wrote.
    if (create_private_file(path, crypto::base64url_encode(key) + "\n")) return key;
    if (::lstat(path.c_str(), &info) != 0)
      throw std::runtime_error("cannot read key file " + path + ": " + errno_text());
  }
  // lstat, not stat: a link (or a device) in place of the key file is refused, not followed.
  if (!S_ISREG(info.st_mode))
    throw std::runtime_error("key file " + path + " is not a regular file");
  // A copy or a restore may have widened the mode; the key unseals every signing key.
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0 && ::chmod(path.c_str(), 0600) != 0)
    throw std::runtime_error("key file " + path + " is readable by others and cannot be made "
                             "private: " + errno_text());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read key file " + path);
  return decode_key(text.str(), "key file " + path);
}

}  // namespace ssooidc::server
