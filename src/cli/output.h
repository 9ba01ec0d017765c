// How the CLI prints: responses as indented JSON on stdout (like `aws --output json`), errors on
// stderr in the AWS CLI's words, and the AWS CLI's exit codes.
//
// Thread safety: writes to the process's stdout/stderr; call from the main thread.
#pragma once

#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::cli {

// Exit codes of the AWS CLI v2.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 252;         // the command line could not be parsed
inline constexpr int kExitServiceError = 254;  // the service answered with an error
inline constexpr int kExitOtherError = 255;    // configuration, transport, local files

// Re-indents compact JSON (the wire codec's output) with 4 spaces.
[[nodiscard]] std::string pretty_json(std::string_view compact);

// "An error occurred (AuthorizationPendingException) when calling the CreateToken operation:
// Authorization is still pending" for service errors; the description alone, prefixed by
// "ssooidc: ", for configuration and transport errors. `operation` is e.g. "CreateToken".
[[nodiscard]] std::string describe_error(const Error& error, std::string_view operation);

// Prints describe_error on stderr and returns the exit code for it.
int report_error(const Error& error, std::string_view operation);

// The CLI's own failures, found before any service is called (a profile without a start URL, a
// config file that does not parse): ErrorType::kConfiguration with `description`.
[[nodiscard]] Error configuration_error(std::string description);

// Prints "ssooidc: MESSAGE" (or the error's description) on stderr and returns kExitOtherError,
// as the AWS CLI does for a local failure.
int fail(std::string_view message);
int fail(const Error& error);

}  // namespace ssooidc::cli
