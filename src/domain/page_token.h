// The opaque `nextToken` of ListAccounts and ListAccountRoles: where the next page starts, bound
// to the user and the listing it was issued for, and authenticated with HMAC-SHA256 under a key
// of this server, so that a client can neither forge one nor carry one into another user's or
// another account's listing.
//
// Form: base64url(payload) "." base64url(HMAC(key, payload)), payload = "p1" NUL user NUL listing
// NUL after. It reveals the position (an account id or role name the user may see anyway) to
// whoever holds it; it does not expire (a listing is read again from the start when it does not
// verify).
//
// Thread safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ssooidc::domain {

class PageTokenCodec {
 public:
  explicit PageTokenCodec(std::string key) : key_(std::move(key)) {}

  [[nodiscard]] std::string make(std::string_view user, std::string_view listing,
                                 std::string_view after) const;
  // The position, when `token` was made by this codec for the same user and listing; else
  // nullopt (malformed, forged, or another user's or listing's).
  [[nodiscard]] std::optional<std::string> open(std::string_view token, std::string_view user,
                                                std::string_view listing) const;

  static constexpr std::size_t kMaxTokenBytes = 2048;

 private:
  std::string key_;
};

}  // namespace ssooidc::domain
