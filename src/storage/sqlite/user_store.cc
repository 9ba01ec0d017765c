#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

Result<bool> SqliteUserStore::insert(const UserRecord& user) {
  // ON CONFLICT (name) DO NOTHING: an existing name changes no row.
  auto inserted = write_one(database_, Sql::kInsertUser, bind_record(write_user, user));
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return *inserted == 1;
}

Result<std::optional<UserRecord>> SqliteUserStore::find(std::string_view name) {
  return find_one<UserRecord>(database_, Sql::kFindUser, name, read_user);
}

Result<std::vector<UserRecord>> SqliteUserStore::list() {
  return read_rows<UserRecord>(database_, Sql::kListUsers, [](Statement&) {}, read_user);
}

Result<void> SqliteUserStore::set_disabled(std::string_view name, bool disabled) {
  auto updated = write_one(database_, Sql::kSetUserDisabled, [&](Statement& statement) {
    statement.bind_text(1, name).bind_int(2, disabled ? 1 : 0);
  });
  if (!updated) return std::unexpected(std::move(updated.error()));
  // sqlite3_changes counts matched rows (setting the flag it has still counts), so 0 is "no
  // such user": storage_error.h kNotFound.
  if (*updated == 0)
    return std::unexpected(storage_error(StorageErrorCode::kNotFound, "set user disabled", "no such user"));
  return {};
}

Result<std::int64_t> SqliteUserStore::count() {
  return read_integer(database_, Sql::kCountUsers, [](Statement&) {});
}

}  // namespace ssooidc::storage::sqlite
