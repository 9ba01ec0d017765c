#include "cli/browser.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace ssooidc::cli {

bool open_in_browser(const std::string& url) {
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return false;
  // xdg-open and the browsers it starts like to print; keep the terminal for the login prompt.
  bool ok = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) == 0 &&
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) == 0 &&
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) == 0;
  pid_t pid = -1;
  if (ok) {
    char program[] = "xdg-open";
    std::string arg = url;
    char* argv[] = {program, arg.data(), nullptr};
    ok = posix_spawnp(&pid, "xdg-open", &actions, nullptr, argv, environ) == 0;
  }
  posix_spawn_file_actions_destroy(&actions);
  if (ok) {
    // Reap it if it already finished; otherwise it is reaped when this short-lived process exits.
    int status = 0;
    (void)waitpid(pid, &status, WNOHANG);
  }
  return ok;
}

}  // namespace ssooidc::cli
