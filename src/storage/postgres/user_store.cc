#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

Result<bool> PostgresUserStore::insert(const UserRecord& user) {
  // ON CONFLICT (name) DO NOTHING: an existing name changes no row.
  Params params;
  write_user(user, params);
  return changed_one(write(database_, Sql::kInsertUser, params));
}

Result<std::optional<UserRecord>> PostgresUserStore::find(std::string_view name) {
  Params params;
  params.text(name);
  return read_first<UserRecord>(database_, Sql::kFindUser, params, read_user);
}

Result<std::vector<UserRecord>> PostgresUserStore::list() {
  return read_all<UserRecord>(database_, Sql::kListUsers, Params{}, read_user);
}

Result<void> PostgresUserStore::set_disabled(std::string_view name, bool disabled) {
  Params params;
  params.text(name).boolean(disabled);
  auto updated = write(database_, Sql::kSetUserDisabled, params);
  if (!updated) return std::unexpected(std::move(updated.error()));
  // PostgreSQL counts every row the WHERE matched (setting the flag it has too): 0 is "no such
  // user", storage_error.h kNotFound.
  if (*updated == 0)
    return std::unexpected(
        storage_error(StorageErrorCode::kNotFound, "set user disabled", "no such user"));
  return {};
}

Result<std::int64_t> PostgresUserStore::count() {
  return read_integer(database_, Sql::kCountUsers, Params{});
}

}  // namespace ssooidc::storage::postgres
