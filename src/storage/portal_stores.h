// The stores behind the SSO portal API: AWS accounts and their roles, groups of users, the
// assignments of users and groups to (account, role), and the record of every credential issued.
// Part of the storage interface (storage.h includes this header; the same contract applies:
// std::expected everywhere, kInternalServer naming the operation on backend failure, any thread).
//
// Referential rules every backend keeps: removing an account removes its roles and every
// assignment to them; removing a role removes its assignments; removing a group removes its
// memberships and its assignments. Inserting a role, membership or assignment does NOT check that
// what it names exists: the domain (domain/directory_service.h) does, and a dangling assignment
// lists nothing (the listing queries join on accounts and roles).
//
// Static credentials of a role are the one secret stored in clear: the server must hand them out
// as they are. Credential records never hold a secret.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::storage {

template <typename T>
using Result = std::expected<T, Error>;

struct AccountRecord {
  std::string account_id;  // 12 digits
  std::string name;
  std::string email;
  std::int64_t created_at = 0;
};

enum class CredentialSource { kMinted, kStatic, kCommand };

struct RoleRecord {
  std::string account_id;
  std::string role_name;
  std::int32_t session_duration_seconds = 3600;
  CredentialSource source = CredentialSource::kMinted;
  // kStatic only.
  std::string static_access_key_id;
  std::string static_secret_access_key;
  std::string static_session_token;  // may be empty
  // kCommand only: the program and its arguments (argv), run without a shell.
  std::vector<std::string> command;
  std::int64_t created_at = 0;
};

struct GroupRecord {
  std::string name;
  std::string description;
  std::int64_t created_at = 0;
};

enum class PrincipalType { kUser, kGroup };

struct AssignmentRecord {
  PrincipalType principal_type = PrincipalType::kUser;
  std::string principal_name;
  std::string account_id;
  std::string role_name;
  std::int64_t created_at = 0;
};

// One GetRoleCredentials (or portal page) answer: who got which credentials, never the secret.
struct CredentialIssueRecord {
  std::int64_t issued_at = 0;
  std::string user_name;
  std::string account_id;
  std::string role_name;
  std::string access_key_id;
  std::int64_t expires_at = 0;
  CredentialSource source = CredentialSource::kMinted;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Inserts the account, or updates name and email of an existing one (created_at is kept).
  // Returns true when a row was inserted or changed, false when it was stored exactly so already.
  [[nodiscard]] virtual Result<bool> put(const AccountRecord& account) = 0;
  [[nodiscard]] virtual Result<std::optional<AccountRecord>> find(std::string_view account_id) = 0;
  // Every account, ordered by account_id (byte-wise).
  [[nodiscard]] virtual Result<std::vector<AccountRecord>> list() = 0;
  // Removes the account, its roles and their assignments at once. False when there is none.
  [[nodiscard]] virtual Result<bool> remove(std::string_view account_id) = 0;

  // Inserts the role, or updates every field but created_at of an existing one. Returns true when
  // a row was inserted or changed.
  [[nodiscard]] virtual Result<bool> put_role(const RoleRecord& role) = 0;
  [[nodiscard]] virtual Result<std::optional<RoleRecord>> find_role(std::string_view account_id,
                                                      std::string_view role_name) = 0;
  // The roles of one account ordered by role_name; every role when `account_id` is empty
  // (ordered by account_id, role_name).
  [[nodiscard]] virtual Result<std::vector<RoleRecord>> list_roles(std::string_view account_id) = 0;
  // Removes the role and its assignments at once. False when there is none.
  [[nodiscard]] virtual Result<bool> remove_role(std::string_view account_id, std::string_view role_name) = 0;
};

class GroupStore {
 public:
  virtual ~GroupStore() = default;
  // Inserts the group or updates its description. True when a row was inserted or changed.
  [[nodiscard]] virtual Result<bool> put(const GroupRecord& group) = 0;
  [[nodiscard]] virtual Result<std::optional<GroupRecord>> find(std::string_view name) = 0;
  // Every group ordered by name.
  [[nodiscard]] virtual Result<std::vector<GroupRecord>> list() = 0;
  // Removes the group, its memberships and its assignments at once. False when there is none.
  [[nodiscard]] virtual Result<bool> remove(std::string_view name) = 0;
  // False when the user is a member already.
  [[nodiscard]] virtual Result<bool> add_member(std::string_view group, std::string_view user_name) = 0;
  // False when the user was not a member.
  [[nodiscard]] virtual Result<bool> remove_member(std::string_view group, std::string_view user_name) = 0;
  // Member user names ordered by name.
  [[nodiscard]] virtual Result<std::vector<std::string>> members(std::string_view group) = 0;
};

class AssignmentStore {
 public:
  virtual ~AssignmentStore() = default;
  // False when the same assignment exists already.
  [[nodiscard]] virtual Result<bool> add(const AssignmentRecord& assignment) = 0;
  // False when there was no such assignment.
  [[nodiscard]] virtual Result<bool> remove(PrincipalType type, std::string_view principal_name,
                              std::string_view account_id, std::string_view role_name) = 0;
  // Every assignment ordered by (account_id, role_name, principal type: user first, name).
  [[nodiscard]] virtual Result<std::vector<AssignmentRecord>> list() = 0;

  // The accounts on which `user_name` holds at least one existing role, directly or through a
  // group, with account_id > `after` (byte-wise; "" for the first page), ordered by account_id,
  // at most `limit` of them.
  [[nodiscard]] virtual Result<std::vector<AccountRecord>> accounts_for_user(std::string_view user_name,
                                                               std::string_view after,
                                                               std::int64_t limit) = 0;
  // The roles of `account_id` assigned to `user_name` (directly or through a group) with
  // role_name > `after`, ordered by role_name, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<RoleRecord>> roles_for_user(std::string_view user_name,
                                                         std::string_view account_id,
                                                         std::string_view after,
                                                         std::int64_t limit) = 0;
  // The role when it exists and is assigned to `user_name`, else nullopt (the two cases are not
  // told apart, on purpose).
  [[nodiscard]] virtual Result<std::optional<RoleRecord>> assigned_role(std::string_view user_name,
                                                          std::string_view account_id,
                                                          std::string_view role_name) = 0;
};

class CredentialRecordStore {
 public:
  virtual ~CredentialRecordStore() = default;
  // Appends one record. May be committed without fsync (a power loss can drop the last ones; a
  // lost record never makes a credential valid).
  [[nodiscard]] virtual Result<void> insert(const CredentialIssueRecord& record) = 0;
  // The newest records first (by issued_at, then insertion), at most `limit`; only those of
  // `user_name` unless it is empty.
  [[nodiscard]] virtual Result<std::vector<CredentialIssueRecord>> list(std::string_view user_name,
                                                          std::int64_t limit) = 0;
  // Deletes records issued before `before`. Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_issued_before(std::int64_t before) = 0;
};

}  // namespace ssooidc::storage
