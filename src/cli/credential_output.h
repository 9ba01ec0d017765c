// How `ssooidc credentials` prints role credentials.
//
//   process  the credential_process format of the AWS SDKs and CLI:
//            {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ..., "SessionToken": ...,
//             "Expiration": "2026-12-01T10:00:00Z"} (ISO 8601, UTC), 4-space indented;
//   env      POSIX shell exports, as `aws configure export-credentials --format env` prints them:
//            export AWS_ACCESS_KEY_ID=... / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN /
//            AWS_CREDENTIAL_EXPIRATION, each value single-quoted when it holds a character the
//            shell would interpret.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "ssooidc/sso_cache.h"

namespace ssooidc::cli {

[[nodiscard]] std::string credential_process_json(const CachedRoleCredentials& c);
[[nodiscard]] std::string credential_env_exports(const CachedRoleCredentials& c);
// `value` as one shell word: unchanged when it holds only [A-Za-z0-9+/=._:,@%-], else in single
// quotes with each ' written as '\''.
[[nodiscard]] std::string shell_quote(std::string_view value);

}  // namespace ssooidc::cli
