#include "client/pkce.h"

#include <utility>

#include "core/url.h"
#include "crypto/crypto.h"

namespace ssooidc::client::pkce {

std::string make_code_verifier(core::Random& random) {
  std::string verifier;
  verifier.reserve(kVerifierLength);
  for (std::size_t i = 0; i < kVerifierLength; ++i) {
    verifier +=
        kVerifierAlphabet[random.uniform(static_cast<std::uint32_t>(kVerifierAlphabet.size()))];
  }
  return verifier;
}

std::string code_challenge_s256(std::string_view verifier) {
  return crypto::s256_challenge(verifier);
}

std::string make_state(core::Random& random) { return crypto::uuid4(random); }

std::string loopback_redirect_uri(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(kCallbackPath);
}

std::string percent_encode(std::string_view text) {
  return core::percent_encode(text);
}

std::string authorize_base_url(std::string_view endpoint) {
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos) return std::string(endpoint);
  const auto netloc_end = endpoint.find_first_of("/?#", scheme_end + 3);
  return std::string(endpoint.substr(0, netloc_end));
}

std::string authorize_url(std::string_view base, const AuthorizeRequest& request) {
  std::string scopes;
  for (const auto& scope : request.scopes) scopes += (scopes.empty() ? "" : " ") + scope;
  const std::pair<std::string_view, std::string_view> params[] = {
      {"response_type", "code"},
      {"client_id", request.client_id},
      {"redirect_uri", request.redirect_uri},
      {"state", request.state},
      {"code_challenge_method", "S256"},
      {"scopes", scopes},
  };
  std::string url = std::string(base) + "/authorize?";
  for (const auto& [name, value] : params) {
    if (url.back() != '?') url += '&';
    url += percent_encode(name) + "=" + percent_encode(value);
  }
  return url + "&code_challenge=" + request.code_challenge;
}

}  // namespace ssooidc::client::pkce
