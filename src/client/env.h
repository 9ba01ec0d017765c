// Env: the one seam between the client library and the operating system's environment and files.
//
// Resolution (profile, region, endpoint, credentials) and the SSO token cache read the process
// environment and files only through this interface, so tests run against an in-memory Env and
// never touch the real HOME. Paths are plain POSIX paths; no function here expands `~`.
//
// Thread safety: PosixEnv is safe to use from any thread. InMemoryEnv is not; give each test its
// own.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::client {

// Error::reason of a read_file error for a file that does not exist.
inline constexpr std::string_view kFileNotFound = "FileNotFound";
// A kConfiguration Error with `message` as its description: what every helper of this layer
// that reads or writes the shared files returns.
[[nodiscard]] Error file_error(std::string message);
// Whether `error` is read_file's answer for a missing file.
[[nodiscard]] bool is_file_not_found(const Error& error) noexcept;

class Env {
 public:
  virtual ~Env() = default;

  // The value of an environment variable; nullopt when unset. A variable set to "" is returned
  // as "" (callers decide whether empty means unset).
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) const = 0;

  // The user's home directory: $HOME, else the password database entry; nullopt when neither
  // is known.
  [[nodiscard]] virtual std::optional<std::string> home_dir() const = 0;

  // The whole file. Errors are ErrorType::kConfiguration whose description names the path and
  // the reason; a missing file (or a missing directory on its path) also has `reason`
  // kFileNotFound (test it with is_file_not_found) so that callers can treat it as "no
  // configuration".
  [[nodiscard]] virtual std::expected<std::string, Error> read_file(
      const std::string& path) const = 0;

  // Replaces `path` atomically (write a temporary file beside it, fsync, rename) with mode 0600,
  // creating missing parent directories with mode 0700. Fails with ErrorType::kConfiguration
  // naming the failed step and path; on failure the previous contents are untouched.
  [[nodiscard]] virtual std::expected<void, Error> write_file_private(
      const std::string& path, std::string_view contents) = 0;

  // Removes a file. Removing a file that does not exist succeeds; any other failure is
  // ErrorType::kConfiguration naming the path.
  [[nodiscard]] virtual std::expected<void, Error> remove_file(const std::string& path) = 0;

  // Names (not paths) of the regular files in `dir`, sorted; empty when `dir` does not exist.
  [[nodiscard]] virtual std::vector<std::string> list_files(const std::string& dir) const = 0;

  // Permission bits of a file (for tests and diagnostics); nullopt when it does not exist.
  [[nodiscard]] virtual std::optional<unsigned> file_mode(const std::string& path) const = 0;
};

// The real process environment and file system.
class PosixEnv final : public Env {
 public:
  std::optional<std::string> get(std::string_view name) const override;
  std::optional<std::string> home_dir() const override;
  std::expected<std::string, Error> read_file(const std::string& path) const override;
  std::expected<void, Error> write_file_private(const std::string& path,
                                                std::string_view contents) override;
  std::expected<void, Error> remove_file(const std::string& path) override;
  std::vector<std::string> list_files(const std::string& dir) const override;
  std::optional<unsigned> file_mode(const std::string& path) const override;
};

// An environment and file system held in memory, for tests. `home` defaults to "/home/test".
class InMemoryEnv final : public Env {
 public:
  InMemoryEnv() = default;

  void set_env(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  void unset_env(const std::string& name) { vars_.erase(name); }
  void set_home(std::optional<std::string> home) { home_ = std::move(home); }
  void put_file(std::string path, std::string contents, unsigned mode = 0644) {
    files_[std::move(path)] = File{std::move(contents), mode};
  }
  // Makes every later write fail, to test error paths.
  void fail_writes(bool fail) { fail_writes_ = fail; }

  std::optional<std::string> get(std::string_view name) const override;
  std::optional<std::string> home_dir() const override { return home_; }
  std::expected<std::string, Error> read_file(const std::string& path) const override;
  std::expected<void, Error> write_file_private(const std::string& path,
                                                std::string_view contents) override;
  std::expected<void, Error> remove_file(const std::string& path) override;
  std::vector<std::string> list_files(const std::string& dir) const override;
  std::optional<unsigned> file_mode(const std::string& path) const override;

 private:
  struct File {
    std::string contents;
    unsigned mode = 0644;
  };
  std::map<std::string, std::string, std::less<>> vars_;
  std::map<std::string, File, std::less<>> files_;
  std::optional<std::string> home_ = "/home/test";
  bool fail_writes_ = false;
};

// "a/b" joined with "c" -> "a/b/c" (one slash between the parts).
[[nodiscard]] std::string join_path(std::string_view dir, std::string_view name);

}  // namespace ssooidc::client
