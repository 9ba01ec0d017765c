// The operator's side of the SSO portal: AWS accounts, their roles, groups of users and the
// assignments of users and groups to (account, role), validated before they reach storage.
//
// Rules: account ids are 12 digits; account names 1 to 50 characters; e-mail addresses empty or
// 3 to 254 characters with an '@'; role names 1 to 64 characters of letters, digits and
// + = , . @ _ -; session durations 900 to 43200 seconds (15 minutes to 12 hours); group names as
// user names (UserService::valid_name). A static role needs an access key id and a secret; a
// command role a program. Assigning needs an existing user or group and an existing role.
// Every violation is InvalidRequest naming the field; removing what does not exist is
// InvalidRequest "no such ...".
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "domain/context.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class DirectoryService {
 public:
  explicit DirectoryService(Context& ctx) : ctx_(ctx) {}

  static constexpr std::int32_t kDefaultSessionSeconds = 3600;
  static constexpr std::int32_t kMinSessionSeconds = 900;
  static constexpr std::int32_t kMaxSessionSeconds = 43200;

  // The first problem with a record, or nullopt when it is valid. Also used by the world file.
  static std::optional<std::string> check_account(const storage::AccountRecord& account);
  static std::optional<std::string> check_role(const storage::RoleRecord& role);
  static std::optional<std::string> check_group(const storage::GroupRecord& group);

  // Inserts or updates (created_at set on insert). Returns whether anything changed.
  [[nodiscard]] std::expected<bool, Error> put_account(storage::AccountRecord account);
  // InvalidRequest when the account does not exist.
  [[nodiscard]] std::expected<bool, Error> put_role(storage::RoleRecord role);
  [[nodiscard]] std::expected<bool, Error> put_group(storage::GroupRecord group);

  [[nodiscard]] std::expected<void, Error> remove_account(std::string_view account_id);
  [[nodiscard]] std::expected<void, Error> remove_role(std::string_view account_id,
                                                       std::string_view role_name);
  [[nodiscard]] std::expected<void, Error> remove_group(std::string_view name);

  // Returns whether anything changed (false: already a member / already assigned).
  [[nodiscard]] std::expected<bool, Error> add_member(std::string_view group,
                                                      std::string_view user_name);
  [[nodiscard]] std::expected<void, Error> remove_member(std::string_view group,
                                                         std::string_view user_name);
  [[nodiscard]] std::expected<bool, Error> assign(storage::PrincipalType type,
                                                  std::string_view principal,
                                                  std::string_view account_id,
                                                  std::string_view role_name);
  [[nodiscard]] std::expected<void, Error> unassign(storage::PrincipalType type,
                                                    std::string_view principal,
                                                    std::string_view account_id,
                                                    std::string_view role_name);

 private:
  Context& ctx_;
};

// "minted", "static", "command".
std::string_view credential_source_name(storage::CredentialSource source) noexcept;
std::optional<storage::CredentialSource> parse_credential_source(std::string_view name) noexcept;

}  // namespace ssooidc::domain
