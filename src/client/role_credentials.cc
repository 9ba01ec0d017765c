#include "client/role_credentials.h"

namespace ssooidc::client {
namespace {

// The service's epoch milliseconds as botocore stores them: whole seconds, fraction dropped.
std::int64_t seconds_of(std::int64_t epoch_millis) {
  return epoch_millis >= 0 ? epoch_millis / 1000 : -((-epoch_millis + 999) / 1000);
}

std::expected<CachedRoleCredentials, Error> from_answer(const GetRoleCredentialsResponse& answer,
                                                        const std::string& account_id) {
  const auto& c = answer.roleCredentials;
  if (!c || !c->accessKeyId || !c->secretAccessKey || !c->sessionToken || !c->expiration) {
    return std::unexpected(Error::make(
        ErrorType::kUnknown,
        "malformed response: GetRoleCredentials answered without roleCredentials.accessKeyId, "
        "secretAccessKey, sessionToken and expiration"));
  }
  return CachedRoleCredentials{*c->accessKeyId, *c->secretAccessKey, *c->sessionToken,
                               seconds_of(*c->expiration), account_id};
}

}  // namespace

std::expected<RoleCredentialsResult, Error> fetch_role_credentials(
    PortalClient& portal, RoleCredentialsCache& cache, const RoleCredentialsRequest& request,
    const AccessTokenSource& tokens, const core::Clock& clock) {
  const std::string key = role_credentials_cache_key(request.key);
  if (!request.ignore_cache) {
    auto cached = cache.load(key);
    // An unreadable file is treated as absent, as botocore's JSONFileCache does (a KeyError):
    // the fresh answer below overwrites it.
    if (cached && *cached && role_credentials_fresh(**cached, clock.now_epoch_seconds())) {
      return RoleCredentialsResult{std::move(**cached), true, std::nullopt};
    }
  }

  std::expected<GetRoleCredentialsResponse, Error> answer;
  for (bool after_unauthorized : {false, true}) {
    auto token = tokens(after_unauthorized);
    if (!token) return std::unexpected(std::move(token.error()));
    answer = portal.get_role_credentials({.roleName = request.key.role_name,
                                          .accountId = request.key.account_id,
                                          .accessToken = *token});
    // Only UnauthorizedException says the token itself was refused (revoked, logged out
    // elsewhere); a second token can help then and never for the other errors.
    if (answer || answer.error().type != ErrorType::kUnauthorized) break;
  }
  if (!answer) return std::unexpected(std::move(answer.error()));

  auto credentials = from_answer(*answer, request.key.account_id);
  if (!credentials) return std::unexpected(std::move(credentials.error()));
  RoleCredentialsResult result{std::move(*credentials), false, std::nullopt};
  // The credentials are good whether or not they could be cached: a full disk must not stop
  // credential_process from printing them.
  if (auto saved = cache.save(key, result.credentials); !saved) {
    result.cache_error = file_error("cannot write " + cache.path_for(key) + ": " +
                                    saved.error().error_description);
  }
  return result;
}

}  // namespace ssooidc::client
