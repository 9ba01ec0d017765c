#include "domain/page_token.h"

#include "crypto/crypto.h"

namespace ssooidc::domain {
namespace {

std::string payload_of(std::string_view user, std::string_view listing, std::string_view after) {
  std::string payload = "p1";
  payload.push_back('\0');
  payload.append(user);
  payload.push_back('\0');
  payload.append(listing);
  payload.push_back('\0');
  payload.append(after);
  return payload;
}

}  // namespace

std::string PageTokenCodec::make(std::string_view user, std::string_view listing,
                                 std::string_view after) const {
  const std::string payload = payload_of(user, listing, after);
  return crypto::base64url_encode(payload) + "." +
         crypto::base64url_encode(crypto::hmac_sha256(key_, payload));
}

std::optional<std::string> PageTokenCodec::open(std::string_view token, std::string_view user,
                                                std::string_view listing) const {
  if (token.size() > kMaxTokenBytes) return std::nullopt;
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = crypto::base64url_decode(token.substr(0, dot));
  auto mac = crypto::base64url_decode(token.substr(dot + 1));
  if (!payload || !mac) return std::nullopt;
  if (!crypto::constant_time_equals(*mac, crypto::hmac_sha256(key_, *payload))) return std::nullopt;
  // Authentic: it was made by make(); check that it was made for this user and listing.
  const std::string prefix = payload_of(user, listing, "");
  if (!payload->starts_with(prefix)) return std::nullopt;
  const std::string after = payload->substr(prefix.size());
  // User names and listings hold no NUL, so the prefix match pins both exactly.
  if (after.find('\0') != std::string::npos) return std::nullopt;
  return after;
}

}  // namespace ssooidc::domain
