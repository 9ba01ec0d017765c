// Opens a URL in the user's browser without waiting for it and without letting it write to the
// terminal. Failures are reported, never fatal: the user can open the URL by hand.
//
// The browser is the first command of $BROWSER that starts (as Python's webbrowser and
// xdg-open read it), else xdg-open. $BROWSER is a ':'-separated list of commands; each command
// is split on blanks (no shell is involved, so the URL is never interpreted), "%s" in an argument
// is replaced by the URL, and without any "%s" the URL is appended as the last argument.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ssooidc::cli {

// The argument vectors to try in order, for a $BROWSER value (nullopt or "" when unset).
[[nodiscard]] std::vector<std::vector<std::string>> browser_commands(
    const std::optional<std::string>& browser_env, const std::string& url);

// True when one of browser_commands(getenv("BROWSER"), url) was started.
bool open_in_browser(const std::string& url);

}  // namespace ssooidc::cli
