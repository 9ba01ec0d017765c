#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

Result<void> PostgresSigningKeyStore::insert(const SigningKeyRecord& key) {
  Params params;
  write_signing_key(key, params);
  auto inserted = write(database_, Sql::kInsertSigningKey, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::vector<SigningKeyRecord>> PostgresSigningKeyStore::list() {
  return read_all<SigningKeyRecord>(database_, Sql::kListSigningKeys, Params{}, read_signing_key);
}

Result<void> PostgresSigningKeyStore::set_private_pem(std::string_view kid,
                                                      std::string_view private_pem) {
  Params params;
  params.text(kid).text(private_pem);
  auto updated = write(database_, Sql::kSetSigningKeyPem, params);
  if (!updated) return std::unexpected(std::move(updated.error()));
  if (*updated == 0)
    return std::unexpected(
        storage_error(StorageErrorCode::kNotFound, "set signing key", "no such key"));
  return {};
}

Result<std::int64_t> PostgresSigningKeyStore::purge_retired(std::int64_t retired_before,
                                                            std::int64_t unpublished_before) {
  Params params;
  params.integer(retired_before).integer(unpublished_before);
  return write(database_, Sql::kPurgeSigningKeys, params);
}

}  // namespace ssooidc::storage::postgres
