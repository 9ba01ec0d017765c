#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {
namespace {

// Columns of Sql::kFindUser and Sql::kListUsers.
Result<UserRecord> read_user(Statement& row) {
  UserRecord user;
  user.name = row.column_text(0);
  user.password_hash = row.column_text(1);
  user.disabled = row.column_int(2) != 0;
  user.created_at = row.column_int(3);
  user.email = row.column_text(4);
  return user;
}

}  // namespace

Result<bool> SqliteUserStore::insert(const UserRecord& user) {
  // ON CONFLICT (name) DO NOTHING: an existing name changes no row.
  auto inserted = write_one(database_, Sql::kInsertUser, [&](Statement& statement) {
    statement.bind_text(1, user.name)
        .bind_text(2, user.password_hash)
        .bind_int(3, user.disabled ? 1 : 0)
        .bind_int(4, user.created_at)
        .bind_text(5, user.email);
  });
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return *inserted == 1;
}

Result<std::optional<UserRecord>> SqliteUserStore::find(std::string_view name) {
  return find_one<UserRecord>(database_, Sql::kFindUser, name, read_user);
}

Result<std::vector<UserRecord>> SqliteUserStore::list() {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kListUsers);
  if (!statement) return std::unexpected(std::move(statement.error()));
  std::vector<UserRecord> users;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return users;
    auto user = read_user(*statement);
    if (!user) return std::unexpected(std::move(user.error()));
    users.push_back(std::move(*user));
  }
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
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kCountUsers);
  if (!statement) return std::unexpected(std::move(statement.error()));
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::unexpected(statement->error("no row"));
  return statement->column_int(0);
}

}  // namespace ssooidc::storage::sqlite
