// Where the sign-in page sends the browser afterwards (its `return_to` query parameter and hidden
// form field). The value comes from the browser, so it is an open-redirect vector (OWASP
// "Unvalidated Redirects and Forwards"): only a path on this server is accepted.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ssooidc::web {

// Long enough for an /authorize URL with many scopes; three times this (the worst case of
// percent-encoding it into the sign-in URL) still fits the server's 16 KiB header limit.
inline constexpr std::size_t kMaxReturnTargetBytes = 4096;

// `target` when it is a same-origin absolute path, optionally with a query: it starts with '/',
// its path does not start with "//" (browsers read that as another host) and has no backslash
// (browsers turn "/\evil.example" into "//evil.example"), it is printable ASCII only (no spaces or
// control characters, which browsers strip: "/\t/evil.example" becomes "//evil.example"), and it
// is at most kMaxReturnTargetBytes long. Otherwise nullopt, and the caller uses its default page.
std::optional<std::string> safe_return_target(std::string_view target);

}  // namespace ssooidc::web
