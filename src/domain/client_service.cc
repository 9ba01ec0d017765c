#include "domain/client_service.h"

#include <algorithm>
#include <limits>

#include "core/address_key.h"
#include "core/url.h"
#include "crypto/crypto.h"
#include "domain/context.h"
#include "domain/record_views.h"
#include "domain/test_controls.h"

namespace ssooidc::domain {
namespace {

constexpr std::size_t kMaxClientName = 256;
constexpr std::size_t kMaxListItems = 50;
constexpr std::size_t kMaxItemLength = 512;

bool is_known_grant(std::string_view g) {
  return g == kGrantDeviceCode || g == kGrantAuthorizationCode || g == kGrantRefreshToken;
}

bool valid_scope(std::string_view s) {
  if (s.empty() || s.size() > kMaxItemLength) return false;
  // RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
  });
}

// Redirect URIs (reference 3.1, issue 5): https anywhere, http only for loopback hosts, no
// fragment, absolute.
std::optional<std::string> redirect_uri_problem(std::string_view uri) {
  if (uri.size() > kMaxItemLength) return "is too long";
  if (uri.find('#') != std::string_view::npos) return "must not contain a fragment";
  std::string_view rest;
  bool http = false;
  if (uri.starts_with("https://")) {
    rest = uri.substr(8);
  } else if (uri.starts_with("http://")) {
    rest = uri.substr(7);
    http = true;
  } else {
    return "must be an absolute http or https URI";
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return "must name a host";
  std::string_view host = authority;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return "must name a host";
  if (http && !core::is_loopback_host(host)) return "may use http only for a loopback host";
  for (char c : uri)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return "must not contain whitespace";
  return std::nullopt;
}

// The checks RegisterClient makes of scopes, grants and redirect URIs, shared with operator
// clients.
std::optional<Error> metadata_problem(const std::vector<std::string>& scopes,
                                      const std::vector<std::string>& grant_types,
                                      const std::vector<std::string>& redirect_uris) {
  if (scopes.size() > kMaxListItems || redirect_uris.size() > kMaxListItems ||
      grant_types.size() > kMaxListItems)
    return Error::make(ErrorType::kInvalidClientMetadata, "A list has more than 50 items");
  for (const auto& s : scopes)
    if (!valid_scope(s)) return Error::make(ErrorType::kInvalidScope, "Invalid scope: '" + s + "'");
  for (const auto& g : grant_types)
    if (!is_known_grant(g))
      return Error::make(ErrorType::kUnsupportedGrantType, "Unsupported grant type: '" + g + "'");
  for (const auto& u : redirect_uris)
    if (auto problem = redirect_uri_problem(u))
      return Error::make(ErrorType::kInvalidRedirectUri, "Redirect URI '" + u + "' " + *problem);
  if (std::ranges::find(grant_types, kGrantAuthorizationCode) != grant_types.end() &&
      redirect_uris.empty())
    return Error::make(ErrorType::kInvalidRedirectUri,
                       "The authorization_code grant needs redirectUris");
  return std::nullopt;
}

bool valid_client_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::ranges::all_of(id, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '~' || c == '-';
  });
}

}  // namespace

struct ClientService::PreparedRegistration {
  storage::ClientRecord record;
  RegisterClientResponse response;
};

ClientService::ClientService(Context& ctx)
    : ctx_(ctx),
      throttle_(ctx, RatePolicy::per_minute("register_client_per_address",
                                            ctx.settings.register_client_per_minute,
                                            ctx.settings.register_client_per_minute)) {}

std::expected<std::string, Error> ClientService::add_operator_client(const OperatorClient& spec) {
  if (!valid_client_id(spec.client_id))
    return std::unexpected(Error::make(
        ErrorType::kInvalidClientMetadata,
        "A client id is 1 to 128 characters of A-Z a-z 0-9 . _ ~ -"));
  if (spec.client_name.empty() || spec.client_name.size() > kMaxClientName)
    return std::unexpected(Error::make(ErrorType::kInvalidClientMetadata,
                                       "A client name is 1 to 256 characters"));
  storage::ClientRecord rec;
  rec.client_id = spec.client_id;
  rec.client_name = spec.client_name;
  rec.client_type = spec.with_secret ? "confidential" : "public";
  rec.scopes = spec.scopes.empty() ? std::vector<std::string>{"openid", "sso:account:access"}
                                   : spec.scopes;
  rec.grant_types = spec.grant_types.empty()
                        ? std::vector<std::string>{std::string(kGrantDeviceCode),
                                                   std::string(kGrantRefreshToken)}
                        : spec.grant_types;
  rec.redirect_uris = spec.redirect_uris;
  if (auto problem = metadata_problem(rec.scopes, rec.grant_types, rec.redirect_uris))
    return std::unexpected(std::move(*problem));
  rec.issued_at = ctx_.clock.now_epoch_seconds();
  rec.expires_at = std::numeric_limits<std::int64_t>::max();
  rec.origin = storage::ClientOrigin::kOperator;
  std::string secret;
  if (spec.with_secret) {
    secret = crypto::random_token(ctx_.random, "", 64);
    rec.secret_hash = crypto::sha256_hex(secret);
  }
  if (auto r = ctx_.storage.clients().insert(rec); !r) return std::unexpected(r.error());
  return secret;
}

std::expected<std::vector<Client>, Error> ClientService::list_operator_clients() {
  return views_of(ctx_.storage.clients().list_operator_clients(), &client_view);
}

std::expected<bool, Error> ClientService::remove_operator_client(std::string_view client_id) {
  auto found = ctx_.storage.clients().find(client_id);
  if (!found) return std::unexpected(found.error());
  if (!*found || (*found)->origin != storage::ClientOrigin::kOperator) return false;
  return ctx_.storage.clients().remove(client_id);
}

std::expected<Client, Error> ClientService::authenticate_oauth(
    std::string_view client_id, std::optional<std::string_view> client_secret) {
  if (client_secret) {
    if (client_secret->empty())
      return std::unexpected(Error::make(ErrorType::kInvalidClient, "Invalid client credentials"));
    return authenticate(client_id, *client_secret);
  }
  if (client_id.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "client_id is required"));
  auto found = find_cached(client_id);
  if (!found) return std::unexpected(found.error());
  const Known* known = found->get();
  // A confidential client must authenticate (RFC 6749 3.2.1); only a public one goes by its id.
  if (known == nullptr || !known->secret_hash.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidClient,
                                       "Client authentication failed (no or unknown client)"));
  if (known->client.expires_at <= ctx_.clock.now_epoch_seconds())
    return std::unexpected(
        Error::make(ErrorType::kInvalidClient, "Client registration has expired"));
  return known->client;
}

std::optional<Error> ClientService::registration_throttled(std::string_view requester_address) {
  if (requester_address.empty()) return std::nullopt;
  auto wait = throttle_.try_acquire(core::address_key(requester_address));
  if (!wait) return std::move(wait.error());
  if (*wait > 0)
    return Error::make(ErrorType::kSlowDown, "Too many registrations from this address; slow down");
  return std::nullopt;
}

std::expected<std::shared_ptr<ClientService::PreparedRegistration>, Error>
ClientService::prepare_record(
    const RegisterClientRequest& req) {
  if (req.clientName.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "clientName is required"));
  if (req.clientName.size() > kMaxClientName)
    return std::unexpected(
        Error::make(ErrorType::kInvalidClientMetadata, "clientName is longer than 256 characters"));
  if (req.clientType.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "clientType is required"));
  if (req.clientType != "public")
    return std::unexpected(Error::make(ErrorType::kInvalidClientMetadata,
                                       "Invalid client type: only 'public' is supported"));
  const std::vector<std::string> none;
  if (auto problem = metadata_problem(req.scopes.value_or(none), req.grantTypes.value_or(none),
                                      req.redirectUris.value_or(none)))
    return std::unexpected(std::move(*problem));
  const bool wants_code =
      req.grantTypes &&
      std::ranges::find(*req.grantTypes, kGrantAuthorizationCode) != req.grantTypes->end();

  auto prepared = std::make_shared<PreparedRegistration>();
  storage::ClientRecord& rec = prepared->record;
  rec.client_name = req.clientName;
  rec.client_type = req.clientType;
  rec.scopes = req.scopes.value_or(std::vector<std::string>{});
  rec.redirect_uris = req.redirectUris.value_or(std::vector<std::string>{});
  rec.grant_types = req.grantTypes.value_or(std::vector<std::string>{});
  rec.issuer_url = req.issuerUrl.value_or("");
  rec.issued_at = ctx_.clock.now_epoch_seconds();
  rec.expires_at = rec.issued_at + ctx_.settings.registration_ttl_seconds;
  std::string secret = crypto::random_token(ctx_.random, "", 64);
  rec.secret_hash = crypto::sha256_hex(secret);
  rec.client_id = crypto::ordered_token(ctx_.random, "", 18, ctx_.clock.now_epoch_millis());

  RegisterClientResponse& resp = prepared->response;
  resp.clientId = rec.client_id;
  resp.clientSecret = std::move(secret);
  resp.clientIdIssuedAt = rec.issued_at;
  resp.clientSecretExpiresAt = rec.expires_at;
  if (wants_code) {
    resp.authorizationEndpoint = ctx_.settings.public_url + "/authorize";
    resp.tokenEndpoint = ctx_.settings.public_url + "/token";
  }
  return prepared;
}

std::expected<RegisterClientResponse, Error> ClientService::register_client(
    const RegisterClientRequest& req, std::string_view requester_address) {
  if (auto refused = registration_throttled(requester_address))
    return std::unexpected(std::move(*refused));
  auto prepared = prepare_record(req);
  if (!prepared) return std::unexpected(std::move(prepared.error()));
  if (auto r = ctx_.storage.clients().insert((*prepared)->record); !r)
    return std::unexpected(r.error());
  return std::move((*prepared)->response);
}

std::optional<std::expected<std::shared_ptr<ClientService::PreparedRegistration>, Error>>
ClientService::prepare_registration(const RegisterClientRequest& req,
                                    std::string_view requester_address, bool may_block) {
  if (!ctx_.storage.clients().inserts_without_waiting()) return std::nullopt;
  if (!may_block && throttle_.enabled() && !requester_address.empty()) return std::nullopt;
  if (may_block) {
    if (auto refused = registration_throttled(requester_address))
      return std::expected<std::shared_ptr<PreparedRegistration>, Error>(std::unexpect,
                                                                          std::move(*refused));
  }
  return prepare_record(req);
}

void ClientService::register_prepared(std::shared_ptr<PreparedRegistration> prepared,
                                      RegisterDone done) {
  const std::shared_ptr<PreparedRegistration> owned = std::move(prepared);
  storage::ClientRecord row = std::move(owned->record);
  ctx_.storage.clients().insert_without_waiting(
      std::move(row), [response = std::move(owned->response),
                       done = std::move(done)](storage::Result<void> inserted) mutable {
        if (!inserted) {
          done(std::unexpected(std::move(inserted.error())));
          return;
        }
        done(std::move(response));
      });
}

std::expected<std::shared_ptr<const ClientService::Known>, Error> ClientService::find_cached(
    std::string_view client_id) {
  {
    std::shared_lock lock(cache_mutex_);
    if (auto it = cache_.find(client_id); it != cache_.end()) return it->second;
  }
  auto found = ctx_.storage.clients().find(client_id);
  if (!found) return std::unexpected(found.error());
  // Unknown ids are not remembered: another node may register them a moment later.
  if (!*found) return nullptr;
  auto known = std::make_shared<const Known>(Known{client_view(**found), (*found)->secret_hash});
  if (known->client.origin == ClientOrigin::kOperator) return known;
  std::unique_lock lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedClients) cache_.clear();
  cache_.emplace(known->client.client_id, known);
  return known;
}

void ClientService::forget_cached() {
  std::unique_lock lock(cache_mutex_);
  cache_.clear();
}

std::expected<Client, Error> ClientService::authenticate(
    std::string_view client_id, std::string_view client_secret) {
  if (client_id.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "clientId is required"));
  if (client_secret.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "clientSecret is required"));
  auto found = find_cached(client_id);
  if (!found) return std::unexpected(found.error());
  return verify(found->get(), client_secret);
}

std::optional<ClientService::FromMemory>
ClientService::authenticate_from_memory(std::string_view client_id,
                                        std::string_view client_secret,
                                        std::int64_t now_epoch_seconds) {
  if (client_id.empty() || client_secret.empty()) return std::nullopt;
  std::shared_ptr<const Known> known;
  {
    std::shared_lock lock(cache_mutex_);
    auto it = cache_.find(client_id);
    if (it == cache_.end()) return std::nullopt;
    known = it->second;
  }
  if (const Error* refused = refusal(known.get(), client_secret, now_epoch_seconds))
    return FromMemory{nullptr, refused};
  const Client* client = &known->client;
  return FromMemory{std::shared_ptr<const Client>(std::move(known), client), nullptr};  // shares the cache entry
}

std::expected<Client, Error> ClientService::verify(const Known* known,
                                                   std::string_view client_secret) {
  if (const Error* refused = refusal(known, client_secret, ctx_.clock.now_epoch_seconds()))
    return std::unexpected(*refused);
  return known->client;
}

namespace {

// refusal()'s answers, made once: a poll refused from memory builds no strings.
const Error& invalid_client_credentials() {
  static const Error error = Error::make(ErrorType::kInvalidClient, "Invalid client credentials");
  return error;
}

const Error& expired_registration() {
  static const Error error =
      Error::make(ErrorType::kInvalidClient, "Client registration has expired");
  return error;
}

}  // namespace

const Error* ClientService::refusal(const Known* known, std::string_view client_secret,
                                    std::int64_t now_epoch_seconds) {
  // Hash before looking at `known` so an unknown client costs the same as a wrong secret.
  const crypto::HexDigest presented = crypto::sha256_hex_digest(client_secret);
  // A public client has no secret (empty hash), so no presented secret matches it.
  if (known == nullptr || known->secret_hash.empty() ||
      !crypto::constant_time_equals(presented.view(), known->secret_hash))
    return &invalid_client_credentials();
  const Client& client = known->client;
  const bool marked = ctx_.test && ctx_.test->client_expired(client.client_id);  // test mode
  if (client.expires_at <= now_epoch_seconds || marked) return &expired_registration();
  return nullptr;
}

bool ClientService::refreshable(const Client& client) {
  if (!client.grant_types.empty())
    return std::ranges::find(client.grant_types, kGrantRefreshToken) != client.grant_types.end();
  return !client.scopes.empty();
}

bool ClientService::allows_grant(const Client& client, std::string_view grant) {
  if (!client.grant_types.empty())
    return std::ranges::find(client.grant_types, grant) != client.grant_types.end();
  if (grant == kGrantDeviceCode) return true;
  if (grant == kGrantRefreshToken) return refreshable(client);
  return false;
}

}  // namespace ssooidc::domain
