#include "domain/credential_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>

extern char** environ;

namespace ssooidc::domain {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string substitute(std::string arg, const CommandRequest& r) {
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"{account_id}", &r.account_id}, {"{role_name}", &r.role_name}, {"{user_name}", &r.user_name}};
  for (const auto& [placeholder, value] : fields) {
    for (std::size_t at = arg.find(placeholder); at != std::string::npos;
         at = arg.find(placeholder, at + value->size())) {
      arg.replace(at, placeholder.size(), *value);
    }
  }
  return arg;
}

// The environment the program sees (see the header): nothing else of the server's leaks.
std::vector<std::string> child_environment(const CommandRequest& r) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("PATH=") || entry.starts_with("HOME=") || entry.starts_with("LANG=") ||
        entry.starts_with("TZ=") || entry.starts_with("AWS_"))
      env.emplace_back(entry);
  }
  env.push_back("SSOOIDC_ACCOUNT_ID=" + r.account_id);
  env.push_back("SSOOIDC_ROLE_NAME=" + r.role_name);
  env.push_back("SSOOIDC_USER_NAME=" + r.user_name);
  env.push_back("SSOOIDC_SESSION_DURATION_SECONDS=" + std::to_string(r.session_duration_seconds));
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Kills the program's whole process group and reaps the program.
void kill_and_reap(pid_t pid) {
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended abnormally";
}

}  // namespace

std::expected<std::string, CommandFailure> run_credential_command(const CommandRequest& request) {
  if (request.argv.empty() || request.argv.front().empty())
    return std::unexpected(CommandFailure{"no program configured"});
  std::vector<std::string> args;
  args.reserve(request.argv.size());
  for (const auto& a : request.argv) args.push_back(substitute(a, request));
  std::vector<std::string> env = child_environment(request);
  std::vector<char*> argv = pointers(args);
  std::vector<char*> envp = pointers(env);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return std::unexpected(CommandFailure{std::string("pipe failed: ") + std::strerror(errno)});
  Fd read_end{pipe_fds[0]};
  Fd write_end{pipe_fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group (kill the group on timeout) and default signal handling: the server
  // blocks SIGINT/SIGTERM in its threads, which the child would otherwise inherit.
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);

  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0)
    return std::unexpected(
        CommandFailure{"could not be started (" + std::string(std::strerror(spawned)) + ")"});
  close(write_end.fd);
  write_end.fd = -1;

  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(request.timeout_ms);
  auto remaining_ms = [&] {
    return static_cast<int>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
               .count()));
  };
  const std::string timed_out = "timed out after " + std::to_string(request.timeout_ms) + " ms";

  std::string output;
  char buffer[4096];
  while (true) {
    pollfd p{read_end.fd, POLLIN, 0};
    const int ready = poll(&p, 1, remaining_ms());
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      kill_and_reap(pid);
      return std::unexpected(CommandFailure{ready == 0 ? timed_out : "poll failed"});
    }
    const ssize_t n = read(read_end.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output (or a read error: judged by the exit status)
    if (output.size() + static_cast<std::size_t>(n) >
        static_cast<std::size_t>(request.max_output_bytes)) {
      kill_and_reap(pid);
      return std::unexpected(CommandFailure{"printed more than " +
                                            std::to_string(request.max_output_bytes) + " bytes"});
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }

  // The output is closed; the program may still be running (it closed stdout early).
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return std::unexpected(CommandFailure{"waitpid failed"});
    if (remaining_ms() == 0) {
      kill_and_reap(pid);
      return std::unexpected(CommandFailure{timed_out});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::unexpected(CommandFailure{describe_status(status)});
  return output;
}

}  // namespace ssooidc::domain
