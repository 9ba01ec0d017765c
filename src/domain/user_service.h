// The server's own user directory: people who can sign in and approve devices.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "domain/views.h"
#include "ssooidc/error.h"

namespace ssooidc::domain {

struct Context;

class UserService {
 public:
  explicit UserService(Context& ctx) : ctx_(ctx) {}

  // Names are 1 to 64 characters of [A-Za-z0-9._@-]; passwords 8 to 1024 bytes. InvalidRequest
  // for a bad name or password, InvalidRequest "already exists" for a duplicate.
  [[nodiscard]] std::expected<User, Error> add(std::string_view name, std::string_view password,
                                               std::string_view email = {});
  [[nodiscard]] std::expected<std::vector<User>, Error> list();
  // InvalidRequest when there is no such user.
  [[nodiscard]] std::expected<void, Error> set_disabled(std::string_view name, bool disabled);
  // The user when the password matches and the user is enabled; AccessDenied otherwise, taking
  // the same argon2 time whether or not the user exists.
  [[nodiscard]] std::expected<User, Error> authenticate(std::string_view name,
                                                        std::string_view password);
  // An enabled user of that name, or AccessDenied.
  [[nodiscard]] std::expected<User, Error> find_enabled(std::string_view name);

  static bool valid_name(std::string_view name);

 private:
  Context& ctx_;
};

}  // namespace ssooidc::domain
