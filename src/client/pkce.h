// The pieces of the Authorization Code Flow with PKCE (RFC 7636) as AWS CLI >= 2.22 makes them
// (botocore SSOTokenFetcherAuth, reference 5.5 and 6.4): the code verifier and its S256 challenge,
// the `state` value, the loopback redirect URI and the `/authorize` URL with the CLI's parameter
// order and percent-encoding.
//
// Thread safety: pure functions; the Random passed in must be safe for the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"

namespace ssooidc::client::pkce {

// The CLI's verifier: 64 characters of RFC 7636's unreserved set (section 4.1 allows 43 to 128).
inline constexpr std::size_t kVerifierLength = 64;
inline constexpr std::string_view kVerifierAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

// The path of the loopback redirect URI, on the listener and in the registration.
inline constexpr std::string_view kCallbackPath = "/oauth/callback";

// kVerifierLength characters drawn uniformly from kVerifierAlphabet.
[[nodiscard]] std::string make_code_verifier(core::Random& random);

// BASE64URL(SHA256(ASCII(verifier))) without '=' padding (RFC 7636 section 4.2, S256).
[[nodiscard]] std::string code_challenge_s256(std::string_view verifier);

// A random UUID v4 in canonical text form, as the CLI's `str(uuid.uuid4())`.
[[nodiscard]] std::string make_state(core::Random& random);

// http://127.0.0.1:<port>/oauth/callback: the redirect URI of the authorize and token requests.
[[nodiscard]] std::string loopback_redirect_uri(std::uint16_t port);

// Python's urllib.parse.quote(text, safe='-._~'): everything but A-Z a-z 0-9 - . _ ~ becomes
// %XX with upper-case hex (a space is %20, ':' %3A, '/' %2F).
[[nodiscard]] std::string percent_encode(std::string_view text);

// scheme://host[:port] of the resolved sso-oidc endpoint: the CLI keeps only the scheme and the
// network location, so a path prefix of a custom endpoint is dropped (reference 5.5).
[[nodiscard]] std::string authorize_base_url(std::string_view endpoint);

struct AuthorizeRequest {
  std::string client_id;
  std::string redirect_uri;  // with the listener's port
  std::string state;
  std::vector<std::string> scopes;  // the registration's scopes, sent space-separated
  std::string code_challenge;
};

// <base>/authorize?response_type=code&client_id=..&redirect_uri=..&state=..
// &code_challenge_method=S256&scopes=..&code_challenge=.. : the parameters in exactly this order,
// each name and value percent-encoded, the scope parameter named `scopes` (plural) and the
// challenge appended last unencoded (its base64url alphabet needs no encoding).
[[nodiscard]] std::string authorize_url(std::string_view base, const AuthorizeRequest& request);

}  // namespace ssooidc::client::pkce
