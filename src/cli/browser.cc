#include "cli/browser.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>

extern char** environ;

namespace ssooidc::cli {
namespace {

std::vector<std::string> split(const std::string& text, const char* separators) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while ((start = text.find_first_not_of(separators, start)) != std::string::npos) {
    const auto end = text.find_first_of(separators, start);
    out.push_back(text.substr(start, end == std::string::npos ? end : end - start));
    start = end;
  }
  return out;
}

// Replaces every "%s" in `arg` by `url`; says whether there was one.
bool substitute(std::string& arg, const std::string& url) {
  bool found = false;
  for (auto at = arg.find("%s"); at != std::string::npos; at = arg.find("%s", at + url.size())) {
    arg.replace(at, 2, url);
    found = true;
  }
  return found;
}

bool spawn_detached(const std::vector<std::string>& command) {
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return false;
  // xdg-open and the browsers it starts like to print; keep the terminal for the login prompt.
  bool ok = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) == 0 &&
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) == 0 &&
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) == 0;
  pid_t pid = -1;
  if (ok) {
    std::vector<std::string> args = command;
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ok = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0;
  }
  posix_spawn_file_actions_destroy(&actions);
  if (ok) {
    // Reap it if it already finished; otherwise it is reaped when this short-lived process exits.
    int status = 0;
    (void)waitpid(pid, &status, WNOHANG);
  }
  return ok;
}

}  // namespace

std::vector<std::vector<std::string>> browser_commands(
    const std::optional<std::string>& browser_env, const std::string& url) {
  std::vector<std::vector<std::string>> commands;
  if (browser_env) {
    for (const auto& entry : split(*browser_env, ":")) {
      std::vector<std::string> argv = split(entry, " \t");
      if (argv.empty()) continue;
      bool placed = false;
      for (std::size_t i = 1; i < argv.size(); ++i) placed = substitute(argv[i], url) || placed;
      if (!placed) argv.push_back(url);
      commands.push_back(std::move(argv));
    }
  }
  commands.push_back({"xdg-open", url});
  return commands;
}

bool open_in_browser(const std::string& url) {
  const char* browser = std::getenv("BROWSER");
  for (const auto& command :
       browser_commands(browser ? std::optional<std::string>(browser) : std::nullopt, url)) {
    if (spawn_detached(command)) return true;
  }
  return false;
}

}  // namespace ssooidc::cli
