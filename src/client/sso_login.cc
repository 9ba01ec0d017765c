#include "client/sso_login.h"

#include <algorithm>
#include <cstdint>

#include "client/resolve.h"

namespace ssooidc::client {
namespace {

Error cache_error(std::string message) {
  return configuration_error("SSO cache: " + std::move(message));
}

Error malformed(std::string_view operation, std::string_view member) {
  return Error::make(ErrorType::kUnknown,
                     std::string(operation) + " answer has no " + std::string(member));
}

// A cached registration is usable when it is not about to expire and was not made for the PKCE
// flow (the AWS CLI >= 2.22 re-registers in both cases).
bool usable(const SsoRegistration& r, std::int64_t now) {
  if (r.expires_at - now < kExpiryWindowSeconds) return false;
  if (r.grant_types && std::find(r.grant_types->begin(), r.grant_types->end(),
                                 "authorization_code") != r.grant_types->end()) {
    return false;
  }
  return true;
}

std::expected<std::pair<SsoRegistration, bool>, Error> registration_for(Client& client,
                                                                        SsoCache& cache,
                                                                        const LoginRequest& request,
                                                                        const core::Clock& clock) {
  const std::string key = registration_cache_key(request.start_url, request.region, request.scopes,
                                                 request.session_name);
  auto cached = cache.load_registration(key);
  // An unreadable registration file is replaced, as botocore does with a cache miss.
  if (cached && *cached && usable(**cached, clock.now_epoch_seconds())) {
    return std::pair{std::move(**cached), true};
  }

  RegisterClientRequest reg;
  reg.clientName =
      "ssooidc-client-" +
      (request.session_name ? *request.session_name : std::to_string(clock.now_epoch_seconds()));
  reg.clientType = "public";
  reg.scopes = request.scopes;
  auto answer = client.register_client(reg);
  if (!answer) return std::unexpected(std::move(answer.error()));
  if (!answer->clientId) return std::unexpected(malformed("RegisterClient", "clientId"));
  if (!answer->clientSecret) return std::unexpected(malformed("RegisterClient", "clientSecret"));
  if (!answer->clientSecretExpiresAt) {
    return std::unexpected(malformed("RegisterClient", "clientSecretExpiresAt"));
  }
  SsoRegistration fresh{*answer->clientId, *answer->clientSecret, *answer->clientSecretExpiresAt,
                        request.scopes, std::nullopt};
  if (auto saved = cache.save_registration(key, fresh); !saved) {
    return std::unexpected(cache_error(saved.error()));
  }
  return std::pair{std::move(fresh), false};
}

}  // namespace

std::expected<LoginResult, Error> device_login(Client& client, SsoCache& cache,
                                               const LoginRequest& request, LoginPrompt& prompt,
                                               const core::Clock& clock, Sleeper& sleeper) {
  auto registration = registration_for(client, cache, request, clock);
  if (!registration) return std::unexpected(std::move(registration.error()));
  const SsoRegistration& reg = registration->first;

  auto authorization = client.start_device_authorization(
      StartDeviceAuthorizationRequest{reg.client_id, reg.client_secret, request.start_url});
  if (!authorization) return std::unexpected(std::move(authorization.error()));
  if (!authorization->deviceCode) {
    return std::unexpected(malformed("StartDeviceAuthorization", "deviceCode"));
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
    if (answer) {
      if (!answer->accessToken) return std::unexpected(malformed("CreateToken", "accessToken"));
      if (!answer->expiresIn) return std::unexpected(malformed("CreateToken", "expiresIn"));
      SsoToken token;
      token.start_url = request.start_url;
      token.region = request.region;
      token.access_token = *answer->accessToken;
      token.expires_at = clock.now_epoch_seconds() + *answer->expiresIn;
      token.client_id = reg.client_id;
      token.client_secret = reg.client_secret;
      token.registration_expires_at = reg.expires_at;
      token.refresh_token = answer->refreshToken;
      const std::string key = token_cache_key(request.session_name, request.start_url);
      if (auto saved = cache.save_token(key, token); !saved) {
        return std::unexpected(cache_error(saved.error()));
      }
      return LoginResult{std::move(token), cache.path_for(key), registration->second};
    }

    Error& e = answer.error();
    switch (e.type) {
      case ErrorType::kAuthorizationPending:
        break;
      case ErrorType::kSlowDown:
        interval += kSlowDownSeconds;
        break;
      case ErrorType::kExpiredToken:
        e.error_description =
            "The pending authorization to retrieve an SSO token has expired. The login flow to "
            "retrieve an SSO token must be restarted." +
            (e.error_description.empty() ? "" : " (" + e.error_description + ")");
        return std::unexpected(std::move(e));
      case ErrorType::kAccessDenied:
        e.error_description = "The authorization request was denied." +
                              (e.error_description.empty() ? "" : " (" + e.error_description + ")");
        return std::unexpected(std::move(e));
      default:
        return std::unexpected(std::move(e));
    }
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
  if (!loaded) return std::unexpected(cache_error(loaded.error()));
  if (!*loaded) {
    return std::unexpected(configuration_error("No cached SSO token for " + what + " (" +
                                               cache.path_for(key) + "); run `ssooidc login`"));
  }
  TokenResult result{std::move(**loaded), false, std::nullopt};
  SsoToken& token = result.token;
  const std::int64_t now = clock.now_epoch_seconds();
  const std::int64_t remaining = token.expires_at - now;
  if (remaining >= kExpiryWindowSeconds && !request.force_refresh) return result;

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
      answer = std::unexpected(malformed("CreateToken", "accessToken or expiresIn"));
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
        return std::unexpected(cache_error(saved.error()));
      }
      return TokenResult{std::move(fresh), true, std::nullopt};
    }
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
