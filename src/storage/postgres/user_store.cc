#include "storage/backend_error.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

// Columns of Sql::kFindUser and Sql::kListUsers.
Result<UserRecord> read_user(const Rows& rows, int row) {
  UserRecord user;
  user.name = rows.text(row, 0);
  user.password_hash = rows.text(row, 1);
  user.disabled = rows.integer(row, 2) != 0;
  user.created_at = rows.integer(row, 3);
  user.email = rows.text(row, 4);
  return user;
}

}  // namespace

Result<bool> PostgresUserStore::insert(const UserRecord& user) {
  // ON CONFLICT (name) DO NOTHING: an existing name changes no row.
  Params params;
  params.text(user.name)
      .text(user.password_hash)
      .boolean(user.disabled)
      .integer(user.created_at)
      .text(user.email);
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
  auto rows = run(database_, Sql::kCountUsers, Params{});
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::unexpected(backend_error("count users", "no row"));
  return rows->integer(0, 0);
}

}  // namespace ssooidc::storage::postgres
