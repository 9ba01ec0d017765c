#include "oauth/request.h"

#include "core/json_text.h"
#include "core/url.h"
#include "crypto/crypto.h"

namespace ssooidc::oauth {

std::expected<FormParams, Error> FormParams::parse(std::string_view body) {
  FormParams form;
  auto pairs = core::parse_query_pairs(body);
  if (pairs.size() > kMaxParams) return fail(ErrorType::kInvalidRequest, "Too many parameters");
  for (auto& [name, value] : pairs) {
    // RFC 6749 appendix A: every parameter is Unicode text. NUL and bytes that are not UTF-8 are
    // refused here, the same on every storage backend.
    if (!core::is_storable_text(name) || !core::is_storable_text(value))
      return fail(ErrorType::kInvalidRequest, "A parameter is not UTF-8 text without NUL characters");
    if (!form.values_.emplace(name, std::move(value)).second)
      return fail(ErrorType::kInvalidRequest, "The parameter '" + name + "' is repeated");
  }
  return form;
}

std::optional<std::string> FormParams::get(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::expected<ClientCredentials, Error> client_credentials(const core::HttpRequest& req,
                                                           const FormParams& form) {
  const std::string_view authorization = req.header("Authorization");
  const auto body_id = form.get("client_id");
  const auto body_secret = form.get("client_secret");
  if (!authorization.empty()) {
    const auto space = authorization.find(' ');
    if (space == std::string_view::npos || !core::iequals(authorization.substr(0, space), "Basic"))
      return fail(ErrorType::kInvalidClient, "Only the Basic authentication scheme is supported");
    auto decoded = crypto::base64_decode(authorization.substr(space + 1));
    if (!decoded) return fail(ErrorType::kInvalidClient, "The Basic credentials are not base64");
    const auto colon = decoded->find(':');
    if (colon == std::string::npos)
      return fail(ErrorType::kInvalidClient, "The Basic credentials have no ':'");
    // RFC 6749 2.3.1: id and secret are form-encoded before they are joined.
    ClientCredentials basic{core::form_decode(std::string_view(*decoded).substr(0, colon)),
                            core::form_decode(std::string_view(*decoded).substr(colon + 1))};
    if (!core::is_storable_text(basic.client_id) ||
        !core::is_storable_text(*basic.client_secret))
      return fail(ErrorType::kInvalidRequest,
                  "The Basic credentials are not UTF-8 text without NUL characters");
    if (body_secret)
      return fail(ErrorType::kInvalidRequest,
                  "Use one client authentication method: Basic or client_secret, not both");
    if (body_id && *body_id != basic.client_id)
      return fail(ErrorType::kInvalidRequest, "client_id does not match the Basic credentials");
    return basic;
  }
  if (!body_id) return fail(ErrorType::kInvalidClient, "Client authentication is required");
  return ClientCredentials{*body_id, body_secret};
}

std::expected<domain::Client, Error> authenticated_client(domain::ClientService& clients,
                                                         const core::HttpRequest& req,
                                                         const FormParams& form,
                                                         bool secret_required) {
  auto credentials = client_credentials(req, form);
  if (!credentials) return std::unexpected(std::move(credentials.error()));
  if (secret_required && !credentials->client_secret)
    return std::unexpected(Error::make(ErrorType::kInvalidClient,
                                       "Introspection needs client authentication with a secret"));
  return clients.authenticate_oauth(credentials->client_id, credentials->client_secret);
}

}  // namespace ssooidc::oauth
