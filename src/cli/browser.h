// Opens a URL in the user's browser with xdg-open, without waiting for it and without letting it
// write to the terminal. Failures are reported, never fatal: the user can open the URL by hand.
#pragma once

#include <string>

namespace ssooidc::cli {

// True when xdg-open was started.
bool open_in_browser(const std::string& url);

}  // namespace ssooidc::cli
