#include "domain/directory_service.h"

#include <algorithm>

#include "domain/user_service.h"

namespace ssooidc::domain {
namespace {

std::unexpected<Error> invalid(std::string text) {
  return std::unexpected(Error::make(ErrorType::kInvalidRequest, std::move(text)));
}

std::expected<void, Error> removed(storage::Result<bool> result, std::string_view what) {
  if (!result) return std::unexpected(result.error());
  if (!*result) return invalid("No such " + std::string(what));
  return {};
}

}  // namespace

std::string_view credential_source_name(storage::CredentialSource source) noexcept {
  switch (source) {
    case storage::CredentialSource::kStatic: return "static";
    case storage::CredentialSource::kCommand: return "command";
    case storage::CredentialSource::kMinted: break;
  }
  return "minted";
}

std::optional<storage::CredentialSource> parse_credential_source(std::string_view name) noexcept {
  if (name == "minted") return storage::CredentialSource::kMinted;
  if (name == "static") return storage::CredentialSource::kStatic;
  if (name == "command") return storage::CredentialSource::kCommand;
  return std::nullopt;
}

std::optional<std::string> DirectoryService::check_account(const storage::AccountRecord& a) {
  // An AWS account id is 12 digits: clients pass it back as they got it (ListAccounts).
  if (a.account_id.size() != 12 ||
      !std::ranges::all_of(a.account_id, [](char c) { return c >= '0' && c <= '9'; }))
    return "account id must be 12 digits";
  if (a.name.empty() || a.name.size() > 50) return "account name must be 1 to 50 characters";
  if (!a.email.empty() &&
      (a.email.size() < 3 || a.email.size() > 254 || a.email.find('@') == std::string::npos))
    return "account email must be an e-mail address";
  return std::nullopt;
}

std::optional<std::string> DirectoryService::check_role(const storage::RoleRecord& r) {
  // IAM's rule for role names, so that a name taken from a real account fits and ours would fit
  // there; the duration range is AssumeRole's DurationSeconds (15 minutes to 12 hours).
  if (r.role_name.empty() || r.role_name.size() > 64 ||
      !std::ranges::all_of(r.role_name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("+=,.@_-").find(c) != std::string_view::npos;
      }))
    return "role name must be 1 to 64 characters of letters, digits and + = , . @ _ -";
  if (r.session_duration_seconds < kMinSessionSeconds ||
      r.session_duration_seconds > kMaxSessionSeconds)
    return "session duration must be 900 to 43200 seconds (15 minutes to 12 hours)";
  switch (r.source) {
    case storage::CredentialSource::kStatic:
      if (r.static_access_key_id.empty() || r.static_secret_access_key.empty())
        return "a static role needs an access key id and a secret access key";
      break;
    case storage::CredentialSource::kCommand:
      if (r.command.empty() || r.command.front().empty())
        return "a command role needs a program to run";
      break;
    case storage::CredentialSource::kMinted:
      break;
  }
  return std::nullopt;
}

std::optional<std::string> DirectoryService::check_group(const storage::GroupRecord& g) {
  if (!UserService::valid_name(g.name))
    return "group names are 1 to 64 characters of letters, digits and . _ @ -";
  if (g.description.size() > 256) return "group description must be at most 256 characters";
  return std::nullopt;
}

std::expected<bool, Error> DirectoryService::put_account(storage::AccountRecord account) {
  if (auto problem = check_account(account)) return invalid(std::move(*problem));
  account.created_at = ctx_.clock.now_epoch_seconds();
  return ctx_.storage.accounts().put(account);
}

std::expected<bool, Error> DirectoryService::put_role(storage::RoleRecord role) {
  if (auto problem = check_role(role)) return invalid(std::move(*problem));
  // Checked here, not left to the store: the operator gets a message naming the account.
  auto account = ctx_.storage.accounts().find(role.account_id);
  if (!account) return std::unexpected(account.error());
  if (!*account) return invalid("No such account: " + role.account_id);
  role.created_at = ctx_.clock.now_epoch_seconds();
  return ctx_.storage.accounts().put_role(role);
}

std::expected<bool, Error> DirectoryService::put_group(storage::GroupRecord group) {
  if (auto problem = check_group(group)) return invalid(std::move(*problem));
  group.created_at = ctx_.clock.now_epoch_seconds();
  return ctx_.storage.groups().put(group);
}

std::expected<void, Error> DirectoryService::remove_account(std::string_view account_id) {
  return removed(ctx_.storage.accounts().remove(account_id),
                 "account: " + std::string(account_id));
}

std::expected<void, Error> DirectoryService::remove_role(std::string_view account_id,
                                                         std::string_view role_name) {
  return removed(ctx_.storage.accounts().remove_role(account_id, role_name),
                 "role: " + std::string(role_name) + " in account " + std::string(account_id));
}

std::expected<void, Error> DirectoryService::remove_group(std::string_view name) {
  return removed(ctx_.storage.groups().remove(name), "group: " + std::string(name));
}

std::expected<bool, Error> DirectoryService::add_member(std::string_view group,
                                                        std::string_view user_name) {
  auto found = ctx_.storage.groups().find(group);
  if (!found) return std::unexpected(found.error());
  if (!*found) return invalid("No such group: " + std::string(group));
  auto user = ctx_.storage.users().find(user_name);
  if (!user) return std::unexpected(user.error());
  if (!*user) return invalid("No such user: " + std::string(user_name));
  return ctx_.storage.groups().add_member(group, user_name);
}

std::expected<void, Error> DirectoryService::remove_member(std::string_view group,
                                                           std::string_view user_name) {
  return removed(ctx_.storage.groups().remove_member(group, user_name),
                 "member: " + std::string(user_name) + " of group " + std::string(group));
}

std::expected<bool, Error> DirectoryService::assign(storage::PrincipalType type,
                                                    std::string_view principal,
                                                    std::string_view account_id,
                                                    std::string_view role_name) {
  if (type == storage::PrincipalType::kUser) {
    auto user = ctx_.storage.users().find(principal);
    if (!user) return std::unexpected(user.error());
    if (!*user) return invalid("No such user: " + std::string(principal));
  } else {
    auto group = ctx_.storage.groups().find(principal);
    if (!group) return std::unexpected(group.error());
    if (!*group) return invalid("No such group: " + std::string(principal));
  }
  auto role = ctx_.storage.accounts().find_role(account_id, role_name);
  if (!role) return std::unexpected(role.error());
  if (!*role)
    return invalid("No such role: " + std::string(role_name) + " in account " +
                std::string(account_id));
  storage::AssignmentRecord a{type, std::string(principal), std::string(account_id),
                              std::string(role_name), ctx_.clock.now_epoch_seconds()};
  return ctx_.storage.assignments().add(a);
}

std::expected<void, Error> DirectoryService::unassign(storage::PrincipalType type,
                                                      std::string_view principal,
                                                      std::string_view account_id,
                                                      std::string_view role_name) {
  return removed(ctx_.storage.assignments().remove(type, principal, account_id, role_name),
                 "assignment of " + std::string(role_name) + " in account " +
                     std::string(account_id) + " to " + std::string(principal));
}

}  // namespace ssooidc::domain
