// What the standard face reads from a request: the form parameters (RFC 6749 3.2, each at most
// once) and the client's credentials (RFC 6749 2.3.1: HTTP Basic or the body; RFC 6749 2.1: a
// public client names itself with client_id alone).
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"
#include "domain/client_service.h"
#include "domain/scopes.h"
#include "ssooidc/error.h"

namespace ssooidc::oauth {

class FormParams {
 public:
  // InvalidRequest when a parameter is repeated (RFC 6749 3.1) or there are more than
  // kMaxParams of them.
  [[nodiscard]] static std::expected<FormParams, Error> parse(std::string_view body);

  // The value, or nullopt when absent. An empty value counts as absent (RFC 6749 3.1).
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;

  static constexpr std::size_t kMaxParams = 64;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

struct ClientCredentials {
  std::string client_id;
  std::optional<std::string> client_secret;  // nullopt: a public client (none)
};

// The client's credentials from `Authorization: Basic` or the form, InvalidRequest when both
// carry a secret or name different clients (RFC 6749 2.3: one method only), InvalidClient when
// the request names no client at all or the Basic header is malformed.
[[nodiscard]] std::expected<ClientCredentials, Error> client_credentials(
    const core::HttpRequest& req, const FormParams& form);

// The client of a form post: client_credentials, then ClientService::authenticate_oauth, with
// their errors. With `secret_required`, a client naming itself without a secret is InvalidClient
// before anything is looked up (RFC 7662 2.1: introspection is for the operator's resource servers).
[[nodiscard]] std::expected<domain::Client, Error> authenticated_client(
    domain::ClientService& clients, const core::HttpRequest& req, const FormParams& form,
    bool secret_required = false);

}  // namespace ssooidc::oauth
