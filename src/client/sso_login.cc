#include "client/sso_login.h"

#include <cstdint>

#include "client/login_steps.h"
#include "client/resolve.h"

namespace ssooidc::client {

std::expected<LoginResult, Error> device_login(Client& client, SsoCache& cache,
                                               const LoginRequest& request, LoginPrompt& prompt,
                                               const core::Clock& clock, Sleeper& sleeper) {
  auto registration =
      obtain_registration(client, cache, request, RegistrationKind::kDeviceCode, clock);
  if (!registration) return std::unexpected(std::move(registration.error()));
  const SsoRegistration& reg = registration->registration;

  auto authorization = client.start_device_authorization(
      StartDeviceAuthorizationRequest{reg.client_id, reg.client_secret, request.start_url});
  if (!authorization) return std::unexpected(std::move(authorization.error()));
  if (!authorization->deviceCode) {
    return std::unexpected(malformed_answer("StartDeviceAuthorization", "deviceCode"));
  }

  CreateTokenRequest poll;
  poll.clientId = reg.client_id;
  poll.clientSecret = reg.client_secret;
  poll.grantType = std::string(kGrantDeviceCode);
  poll.deviceCode = *authorization->deviceCode;

  std::int64_t interval = authorization->interval.value_or(kDefaultIntervalSeconds);
  if (interval <= 0) interval = 1;  // never spin
  // The device code's lifetime bounds the loop even if the server never says expired_token.
  const std::int64_t started = clock.monotonic_millis();
  const std::int64_t lifetime = authorization->expiresIn.value_or(0);
  const std::int64_t deadline = lifetime > 0 ? started + lifetime * 1000 : INT64_MAX;

  bool shown = false;
  for (;;) {
    auto answer = client.create_token(poll);
    if (answer) return save_login_token(cache, request, *registration, *answer, clock);

    Error& e = answer.error();
    switch (e.type) {
      case ErrorType::kAuthorizationPending:  // RFC 8628 3.5: not yet decided, poll again
        break;
      case ErrorType::kSlowDown:  // RFC 8628 3.5: +5 s for this and every later poll
        interval += kSlowDownSeconds;
        break;
      case ErrorType::kExpiredToken:
        return std::unexpected(pending_authorization_expired(std::move(e)));
      case ErrorType::kAccessDenied:
        e.error_description = "The authorization request was denied." +
                              (e.error_description.empty() ? "" : " (" + e.error_description + ")");
        return std::unexpected(std::move(e));
      default:
        return std::unexpected(std::move(e));
    }
    // Shown after the first pending answer, not before it, as the AWS CLI does: a login the
    // server approves at once (test mode's auto-approve) never prints a code.
    if (!shown) {
      prompt.show(*authorization);
      shown = true;
    }
    if (lifetime > 0 && clock.monotonic_millis() + interval * 1000 > deadline) {
      return std::unexpected(Error::make(
          ErrorType::kExpiredToken,
          "The pending authorization to retrieve an SSO token has expired (no approval within " +
              std::to_string(lifetime) +
              " seconds). The login flow to retrieve an SSO token must be restarted."));
    }
    sleeper.sleep_for(std::chrono::seconds(interval));
  }
}

std::expected<TokenResult, Error> load_or_refresh_token(SsoCache& cache,
                                                        const TokenRequest& request,
                                                        const ClientFactory& clients,
                                                        const core::Clock& clock) {
  const std::string key = token_cache_key(request.session_name, request.start_url);
  const std::string what = request.session_name ? "SSO session \"" + *request.session_name + "\""
                                                : "start URL " + request.start_url;
  auto loaded = cache.load_token(key);
  if (!loaded) return std::unexpected(cache_error(std::move(loaded.error())));
  if (!*loaded) {
    return std::unexpected(configuration_error("No cached SSO token for " + what + " (" +
                                               cache.path_for(key) + "); run `ssooidc login`"));
  }
  TokenResult result{std::move(**loaded), false, std::nullopt};
  SsoToken& token = result.token;
  const std::int64_t now = clock.now_epoch_seconds();
  const std::int64_t remaining = token.expires_at - now;
  // botocore's SSOTokenProvider refreshes only inside the last 15 minutes (_REFRESH_WINDOW).
  if (remaining >= kExpiryWindowSeconds && !request.force_refresh) return result;

  // A refresh authenticates with the registration that issued the token (reference 6.5): it
  // needs the refresh token, that client's id and secret, and a registration not yet expired.
  const bool refreshable = token.refresh_token && token.client_id && token.client_secret &&
                           token.registration_expires_at && *token.registration_expires_at > now;
  if (refreshable) {
    const std::string region = token.region.empty() ? request.region : token.region;
    auto client = clients(region);
    std::expected<CreateTokenResponse, Error> answer =
        client ? client->create_token(CreateTokenRequest{
                     .clientId = *token.client_id,
                     .clientSecret = *token.client_secret,
                     .grantType = std::string(kGrantRefreshToken),
                     .refreshToken = *token.refresh_token,
                 })
               : std::unexpected(std::move(client.error()));
    if (answer && (!answer->accessToken || !answer->expiresIn)) {
      answer = std::unexpected(malformed_answer("CreateToken", "accessToken or expiresIn"));
    }
    if (answer) {
      // The entry botocore's SSOTokenProvider writes after a refresh.
      SsoToken fresh;
      fresh.start_url = token.start_url.empty() ? request.start_url : token.start_url;
      fresh.region = region;
      fresh.access_token = *answer->accessToken;
      fresh.expires_at = clock.now_epoch_seconds() + *answer->expiresIn;
      fresh.client_id = token.client_id;
      fresh.client_secret = token.client_secret;
      fresh.registration_expires_at = token.registration_expires_at;
      fresh.refresh_token = answer->refreshToken;
      if (auto saved = cache.save_token(key, fresh); !saved) {
        return std::unexpected(cache_error(std::move(saved.error())));
      }
      return TokenResult{std::move(fresh), true, std::nullopt};
    }
    // As botocore: a failed refresh of a token that is still valid is a warning, not an error;
    // the caller keeps using the cached token until it expires.
    if (remaining > 0) {
      result.refresh_error = std::move(answer.error());
      return result;
    }
    return std::unexpected(std::move(answer.error()));
  }
  if (remaining > 0) return result;
  return std::unexpected(Error::make(ErrorType::kExpiredToken,
                                     "The cached SSO token for " + what + " expired at " +
                                         format_cache_time(token.expires_at) +
                                         " and cannot be refreshed; run `ssooidc login` again"));
}

}  // namespace ssooidc::client
