#include "domain/authorization_service.h"

#include <algorithm>

#include "core/url.h"
#include "crypto/crypto.h"
#include "domain/client_service.h"
#include "domain/context.h"
#include "domain/scopes.h"
#include "ssooidc/types.h"

namespace ssooidc::domain {
namespace {

constexpr std::size_t kCodeBytes = 32;  // 256 bits
constexpr std::size_t kMaxStateLength = 1024;

struct UriParts {
  std::string_view scheme;  // "http" or "https"
  std::string_view host;
  std::string_view port;  // without ':', may be empty
  std::string_view rest;  // path, query
};

std::optional<UriParts> split_uri(std::string_view uri) {
  UriParts parts;
  const auto colon = uri.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  parts.scheme = uri.substr(0, colon);
  std::string_view after = uri.substr(colon + 3);
  const auto end = after.find_first_of("/?#");
  std::string_view authority = after.substr(0, end);
  parts.rest = end == std::string_view::npos ? std::string_view{} : after.substr(end);
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
    if (authority.starts_with(":"))
      parts.port = authority.substr(1);
    else if (!authority.empty())
      return std::nullopt;
  } else {
    const auto port = authority.find(':');
    parts.host = authority.substr(0, port);
    if (port != std::string_view::npos) parts.port = authority.substr(port + 1);
  }
  if (!std::ranges::all_of(parts.port, [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return parts;
}

bool is_base64url(std::string_view s) {
  return std::ranges::all_of(s, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::unexpected<AuthorizeError> page_error(std::string error, std::string description) {
  return std::unexpected(AuthorizeError{false, std::move(error), std::move(description), {}, {}});
}

}  // namespace

bool AuthorizationService::redirect_uri_matches(std::string_view registered,
                                                std::string_view presented) {
  if (registered == presented) return true;
  // RFC 8252 7.3: native apps listen on an ephemeral loopback port, so the port of an http
  // loopback redirect URI is not compared. Everything else must match exactly.
  const auto reg = split_uri(registered);
  const auto pre = split_uri(presented);
  if (!reg || !pre) return false;
  return reg->scheme == "http" && pre->scheme == "http" && core::is_loopback_host(reg->host) &&
         reg->host == pre->host && reg->rest == pre->rest;
}

std::string AuthorizationService::s256_challenge(std::string_view verifier) {
  return crypto::s256_challenge(verifier);
}

std::string AuthorizationService::redirect_location(
    std::string_view redirect_uri, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(redirect_uri);
  char separator = out.find('?') == std::string::npos ? '?' : '&';
  if (out.ends_with('?') || out.ends_with('&')) separator = '\0';
  for (const auto& [name, value] : params) {
    if (separator != '\0') out += separator;
    separator = '&';
    out += core::percent_encode(name);
    out += '=';
    out += core::percent_encode(value);
  }
  return out;
}

std::expected<ValidAuthorizeRequest, AuthorizeError> AuthorizationService::validate(
    const AuthorizeParams& p) {
  // RFC 6749 4.1.2.1: until the client and its redirect URI are known good, errors are shown to
  // the person and never redirected (that would make the server an open redirector).
  if (!p.client_id || p.client_id->empty())
    return page_error("invalid_request", "The request has no client_id.");
  auto found = clients_.find_cached(*p.client_id);
  if (!found) return page_error("server_error", "The server could not look up the client.");
  if (!*found) return page_error("invalid_client", "The client is not registered.");
  const Client& client = (*found)->client;
  if (client.expires_at <= ctx_.clock.now_epoch_seconds())
    return page_error("invalid_client", "The client registration has expired.");
  if (!p.redirect_uri || p.redirect_uri->empty())
    return page_error("invalid_request", "The request has no redirect_uri.");
  const std::string& redirect_uri = *p.redirect_uri;
  if (redirect_uri.find('#') != std::string::npos)
    return page_error("invalid_request", "The redirect_uri must not contain a fragment.");
  const bool registered = std::ranges::any_of(client.redirect_uris, [&](const std::string& r) {
    return redirect_uri_matches(r, redirect_uri);
  });
  if (!registered)
    return page_error("invalid_request", "The redirect_uri is not registered for this client.");

  const std::string state = p.state.value_or("");
  auto redirect_error = [&](std::string error, std::string description) {
    return std::unexpected(
        AuthorizeError{true, std::move(error), std::move(description), redirect_uri, state});
  };
  if (!ClientService::allows_grant(client, kGrantAuthorizationCode))
    return redirect_error("unauthorized_client",
                          "The client is not registered for the authorization_code grant.");
  if (!p.response_type || p.response_type->empty())
    return redirect_error("invalid_request", "response_type is required.");
  if (*p.response_type != "code")
    return redirect_error("unsupported_response_type", "Only response_type=code is supported.");
  // The CLI checks state on the way back; without one the redirect cannot be tied to a request.
  if (state.empty()) return redirect_error("invalid_request", "state is required.");
  if (state.size() > kMaxStateLength)
    return redirect_error("invalid_request", "state is too long.");
  if (!p.code_challenge || p.code_challenge->empty())
    return redirect_error("invalid_request", "code_challenge is required (PKCE).");
  // RFC 7636 4.3 defaults a missing method to "plain"; plain is not accepted here (RFC 9700 2.1.1).
  if (!p.code_challenge_method || *p.code_challenge_method != "S256")
    return redirect_error("invalid_request", "code_challenge_method must be S256.");
  if (p.code_challenge->size() != 43 || !is_base64url(*p.code_challenge))
    return redirect_error("invalid_request",
                          "code_challenge must be 43 base64url characters (S256).");

  std::vector<std::string> scopes;
  if (p.scopes && !p.scopes->empty()) {
    scopes = split_scope(*p.scopes);
  } else if (p.scope && !p.scope->empty()) {
    scopes = split_scope(*p.scope);
  }
  if (scopes.empty()) {
    scopes = client.scopes;
  } else {
    for (const auto& s : scopes)
      if (std::ranges::find(client.scopes, s) == client.scopes.end())
        return redirect_error("invalid_scope",
                              "The scope '" + s + "' is not registered for this client.");
    std::vector<std::string> unique;
    for (auto& s : scopes)
      if (std::ranges::find(unique, s) == unique.end()) unique.push_back(std::move(s));
    scopes = std::move(unique);
  }
  const std::string nonce = p.nonce.value_or("");
  if (nonce.size() > kMaxStateLength)
    return redirect_error("invalid_request", "nonce is too long.");
  return ValidAuthorizeRequest{client, redirect_uri, state, *p.code_challenge,
                               std::move(scopes), nonce};
}

std::expected<std::string, Error> AuthorizationService::issue_code(
    const ValidAuthorizeRequest& request, std::string_view user_name, std::int64_t auth_time) {
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  const std::string code =
      crypto::ordered_token(ctx_.random, "", kCodeBytes, ctx_.clock.now_epoch_millis());
  storage::AuthorizationCodeRecord record;
  record.code_hash = crypto::secret_hash(code);
  record.client_id = request.client.client_id;
  record.redirect_uri = request.redirect_uri;
  record.code_challenge = request.code_challenge;
  record.scopes = request.scopes;
  record.user_name = std::string(user_name);
  record.auth_time = auth_time;
  record.created_at = now;
  record.expires_at = now + ctx_.settings.authorization_code_ttl_seconds;
  record.family_id = crypto::ordered_token(ctx_.random, "", 16, ctx_.clock.now_epoch_millis());
  record.nonce = request.nonce;
  if (auto inserted = ctx_.storage.authorization_codes().insert(record); !inserted)
    return std::unexpected(inserted.error());
  return code;
}

}  // namespace ssooidc::domain
