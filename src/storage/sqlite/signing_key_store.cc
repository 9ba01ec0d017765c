#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

Result<void> SqliteSigningKeyStore::insert(const SigningKeyRecord& key) {
  auto inserted = write_one(database_, Sql::kInsertSigningKey, [&](Statement& statement) {
    statement.bind_text(1, key.kid)
        .bind_text(2, key.private_pem)
        .bind_int(3, key.created_at)
        .bind_int(4, key.retire_after)
        .bind_int(5, key.publish_until);
  });
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::vector<SigningKeyRecord>> SqliteSigningKeyStore::list() {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kListSigningKeys);
  if (!statement) return std::unexpected(std::move(statement.error()));
  std::vector<SigningKeyRecord> keys;
  for (;;) {
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) break;
    SigningKeyRecord key;
    key.kid = statement->column_text(0);
    key.private_pem = statement->column_text(1);
    key.created_at = statement->column_int(2);
    key.retire_after = statement->column_int(3);
    key.publish_until = statement->column_int(4);
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<void> SqliteSigningKeyStore::set_private_pem(std::string_view kid,
                                                    std::string_view private_pem) {
  auto changed = write_one(database_, Sql::kSetSigningKeyPem, [&](Statement& statement) {
    statement.bind_text(1, kid).bind_text(2, private_pem);
  });
  if (!changed) return std::unexpected(std::move(changed.error()));
  // An UPDATE that matched no row is the storage_error.h kNotFound of an update.
  if (*changed == 0)
    return std::unexpected(storage_error(StorageErrorCode::kNotFound, "set signing key", "no such kid"));
  return {};
}

Result<std::int64_t> SqliteSigningKeyStore::purge_retired(std::int64_t retired_before,
                                                          std::int64_t unpublished_before) {
  return write_one(database_, Sql::kPurgeSigningKeys, [&](Statement& statement) {
    statement.bind_int(1, retired_before).bind_int(2, unpublished_before);
  });
}

}  // namespace ssooidc::storage::sqlite
