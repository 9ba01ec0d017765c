#include "domain/user_service.h"

#include <algorithm>
#include <mutex>

#include "crypto/crypto.h"
#include "crypto/password.h"
#include "domain/context.h"
#include "domain/record_views.h"

namespace ssooidc::domain {
namespace {

constexpr std::size_t kMinPassword = 8;
constexpr std::size_t kMaxPassword = 1024;

}  // namespace

bool UserService::valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '@' || c == '-';
  });
}

std::expected<User, Error> UserService::add(std::string_view name, std::string_view password,
                                            std::string_view email) {
  if (!valid_name(name))
    return fail(ErrorType::kInvalidRequest,
                "User names are 1 to 64 characters of letters, digits and . _ @ -");
  if (password.size() < kMinPassword || password.size() > kMaxPassword)
    return fail(ErrorType::kInvalidRequest, "Passwords are 8 to 1024 characters long");
  auto phc = crypto::hash_password(password, ctx_.random);
  if (!phc)
    return fail(ErrorType::kInternalServer,
                "Could not hash the password: " + phc.error().error_description);
  storage::UserRecord user;
  user.name = std::string(name);
  user.password_hash = std::move(*phc);
  user.created_at = ctx_.clock.now_epoch_seconds();
  user.email = std::string(email);
  auto inserted = ctx_.storage.users().insert(user);
  if (!inserted) return std::unexpected(inserted.error());
  if (!*inserted) return fail(ErrorType::kInvalidRequest, "User '" + user.name + "' already exists");
  return user_view(user);
}

std::expected<std::vector<User>, Error> UserService::list() {
  return views_of(ctx_.storage.users().list(), &user_view);
}

std::expected<void, Error> UserService::set_disabled(std::string_view name, bool disabled) {
  auto changed = ctx_.storage.users().set_disabled(name, disabled);
  // storage_error.h: a missing row is kNotFound, which is the operator's mistake here (a name
  // typed wrong), so it becomes this service's own error; anything else stays a 500.
  if (!changed && storage::storage_error_code(changed.error()) == storage::StorageErrorCode::kNotFound)
    return fail(ErrorType::kInvalidRequest, "No user named '" + std::string(name) + "'");
  if (!changed) return std::unexpected(changed.error());
  return {};
}

std::expected<User, Error> UserService::authenticate(std::string_view name,
                                                     std::string_view password) {
  // Verifying against a throwaway hash when the user is unknown keeps the answer time the same,
  // so response timing does not reveal which user names exist.
  static std::once_flag once;
  static std::string decoy;
  std::call_once(once, [&] { decoy = crypto::hash_password("decoy-password", ctx_.random).value_or(""); });
  auto found = ctx_.storage.users().find(name);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    (void)crypto::verify_password(password, decoy);
    return fail(ErrorType::kAccessDenied, "Wrong user name or password");
  }
  if (!crypto::verify_password(password, (*found)->password_hash))
    return fail(ErrorType::kAccessDenied, "Wrong user name or password");
  if ((*found)->disabled) return fail(ErrorType::kAccessDenied, "This user is disabled");
  return user_view(**found);
}

std::expected<User, Error> UserService::find_enabled(std::string_view name) {
  auto found = ctx_.storage.users().find(name);
  if (!found) return std::unexpected(found.error());
  if (!*found || (*found)->disabled)
    return fail(ErrorType::kAccessDenied, "No enabled user named '" + std::string(name) + "'");
  return user_view(**found);
}

}  // namespace ssooidc::domain
