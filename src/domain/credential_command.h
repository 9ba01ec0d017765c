// Runs a role's `command` credential source: an operator-configured program, started without a
// shell (posix_spawnp: argv[0] is looked up on PATH, nothing is interpreted), that prints the
// `credential_process` JSON on standard output.
//
// What the program gets: argv as configured, with "{account_id}", "{role_name}" and
// "{user_name}" in any argument replaced by the request's values; standard input from
// /dev/null; standard error discarded; an environment of only PATH, HOME, LANG, TZ, the AWS_*
// variables of the server, and SSOOIDC_ACCOUNT_ID, SSOOIDC_ROLE_NAME, SSOOIDC_USER_NAME,
// SSOOIDC_SESSION_DURATION_SECONDS. It runs in a process group of its own, so that on timeout
// the whole group (a wrapper script and its children) is killed.
//
// Bounds: `timeout_ms` from start to exit, `max_output_bytes` of standard output. Exceeding
// either kills the group.
//
// Thread safety: reentrant; each call runs its own process. The calling thread blocks while the
// program runs (at most the timeout).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace ssooidc::domain {

struct CommandRequest {
  std::vector<std::string> argv;
  std::string account_id;
  std::string role_name;
  std::string user_name;
  std::int32_t session_duration_seconds = 3600;
  std::int32_t timeout_ms = 10'000;
  std::int32_t max_output_bytes = 64 * 1024;
};

// Why a run failed, for the operator's log; never any of the program's output.
struct CommandFailure {
  std::string reason;  // "exited with status 2", "timed out after 100 ms", ...
};

// The program's standard output when it exited with status 0 within the bounds.
[[nodiscard]] std::expected<std::string, CommandFailure> run_credential_command(
    const CommandRequest& request);

}  // namespace ssooidc::domain
