#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

Result<void> SqliteSigningKeyStore::insert(const SigningKeyRecord& key) {
  auto inserted =
      write_one(database_, Sql::kInsertSigningKey, bind_record(write_signing_key, key));
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::vector<SigningKeyRecord>> SqliteSigningKeyStore::list() {
  return read_rows<SigningKeyRecord>(database_, Sql::kListSigningKeys, [](Statement&) {},
                                     read_signing_key);
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
