// Runs the real ssooidc-server for the client integration tests: `serve` on 127.0.0.1:0 with a
// SQLite file in a private temporary directory (the URL is read from the first stdout line), and
// the operator commands (`user add`, `device approve|deny`) against the same database.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace ssooidc::testing {

struct Spawned {
  pid_t pid = -1;
  int stdout_fd = -1;
};

// Starts `argv` with stdin from `stdin_fd` (or /dev/null), stdout to a pipe, stderr to `log`.
inline Spawned spawn(const std::vector<std::string>& argv, const std::string& log,
                     int stdin_fd = -1) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Spawned s;
  int rc = posix_spawn(&s.pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  s.stdout_fd = out[0];
  return s;
}

// Reads until `fd` closes (or one line when `one_line`), within `timeout`.
inline std::string read_output(int fd, std::chrono::milliseconds timeout, bool one_line) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!(one_line && out.find('\n') != std::string::npos)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

class ServerProcess {
 public:
  // `extra` are more `serve` flags, e.g. {"--device-code-ttl", "10"}.
  explicit ServerProcess(std::vector<std::string> extra = {}) {
    std::string templ =
        (std::filesystem::temp_directory_path() / "ssooidc-client-it-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    database_ = "sqlite:" + dir_ + "/server.db";
    std::vector<std::string> argv{SSOOIDC_SERVER_BIN, "serve",        "--listen",
                                  "127.0.0.1:0",      "--public-url", "http://127.0.0.1",
                                  "--database",       database_,      "--no-bootstrap-user",
                                  "--access-log",     "stderr"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Spawned s = spawn(argv, dir_ + "/server.log");
    pid_ = s.pid;
    stdout_fd_ = s.stdout_fd;
    std::string line = read_output(stdout_fd_, std::chrono::seconds(30), true);
    url_ = line.substr(0, line.find('\n'));
    if (!url_.starts_with("http://127.0.0.1:")) {
      stop();
      throw std::runtime_error("ssooidc-server printed \"" + line + "\" instead of its URL");
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }

  // Runs `ssooidc-server ARGS --database DB`; returns the exit code (stdout in `output`).
  int admin(std::vector<std::string> args, const std::string& stdin_text = "",
            std::string* output = nullptr) const {
    std::vector<std::string> argv{SSOOIDC_SERVER_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--database");
    argv.push_back(database_);
    int in[2] = {-1, -1};
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    Spawned s = spawn(argv, dir_ + "/admin.log", in[0]);
    ::close(in[0]);
    if (!stdin_text.empty()) (void)!::write(in[1], stdin_text.data(), stdin_text.size());
    ::close(in[1]);
    std::string out = read_output(s.stdout_fd, std::chrono::seconds(60), false);
    ::close(s.stdout_fd);
    int status = 0;
    ::waitpid(s.pid, &status, 0);
    if (output != nullptr) *output = out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void add_user(const std::string& name) const {
    if (admin({"user", "add", name, "--password-stdin"}, "correct horse battery staple\n") != 0) {
      throw std::runtime_error("user add failed");
    }
  }

 private:
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (stdout_fd_ >= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }

  std::string dir_;
  std::string database_;
  std::string url_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace ssooidc::testing
