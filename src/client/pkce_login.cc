#include "client/pkce_login.h"

#include <utility>
#include <vector>

#include "client/login_steps.h"
#include "client/pkce.h"
#include "client/resolve.h"

namespace ssooidc::client {

std::expected<LoginResult, Error> pkce_login(Client& client, SsoCache& cache,
                                             const LoginRequest& request,
                                             AuthorizationCodeReceiver& receiver,
                                             AuthorizePrompt& prompt, const core::Clock& clock,
                                             core::Random& random) {
  if (!request.session_name) {
    return std::unexpected(configuration_error(
        "the authorization code flow needs an sso-session; use the device flow without one"));
  }
  LoginRequest pkce_request = request;
  // botocore's SSOTokenFetcherAuth always registers and authorizes with scopes, and so does the
  // AWS CLI's `configure sso` (sso:account:access when the session configures none).
  if (!pkce_request.scopes) {
    pkce_request.scopes = std::vector<std::string>{std::string(kDefaultPkceScope)};
  }

  auto registration =
      obtain_registration(client, cache, pkce_request, RegistrationKind::kAuthorizationCode, clock);
  if (!registration) return std::unexpected(std::move(registration.error()));
  const SsoRegistration& reg = registration->registration;

  const std::string verifier = pkce::make_code_verifier(random);
  const std::string state = pkce::make_state(random);
  const std::string redirect_uri = pkce::loopback_redirect_uri(receiver.port());
  prompt.show(pkce::authorize_url(pkce::authorize_base_url(client.endpoint()),
                                  pkce::AuthorizeRequest{
                                      .client_id = reg.client_id,
                                      .redirect_uri = redirect_uri,
                                      .state = state,
                                      .scopes = *pkce_request.scopes,
                                      .code_challenge = pkce::code_challenge_s256(verifier),
                                  }));

  auto code = receiver.wait_for_code(state);
  if (!code) return std::unexpected(std::move(code.error()));

  // Reference 6.4 step 6: one CreateToken, no polling.
  auto answer = client.create_token(CreateTokenRequest{
      .clientId = reg.client_id,
      .clientSecret = reg.client_secret,
      .grantType = std::string(kGrantAuthorizationCode),
      .code = *code,
      .redirectUri = redirect_uri,
      .codeVerifier = verifier,
  });
  if (!answer) {
    // The service answers an expired or already used code with ExpiredTokenException; the AWS
    // CLI reports it as PendingAuthorizationExpiredError, and so do we.
    if (answer.error().type == ErrorType::kExpiredToken) {
      return std::unexpected(pending_authorization_expired(std::move(answer.error())));
    }
    return std::unexpected(std::move(answer.error()));
  }
  return save_login_token(cache, pkce_request, *registration, *answer, clock);
}

}  // namespace ssooidc::client
