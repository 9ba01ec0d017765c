#include "storage/storage.h"

#include <string>

#include "storage/backend_error.h"
#include "storage/memory/memory_storage.h"
#if SSOOIDC_STORAGE_SQLITE
#include "storage/sqlite/sqlite_storage.h"
#endif
#if SSOOIDC_STORAGE_POSTGRES
#include "storage/postgres/postgres_storage.h"
#endif

namespace ssooidc::storage {

Result<std::unique_ptr<Storage>> open_storage(std::string_view url) {
  if (url == "memory:") return make_memory_storage();
  // "sqlite:///abs/file.db" and "sqlite:/abs/file.db" name the same file, as do
  // "sqlite://data/file.db" and "sqlite:data/file.db" (relative to the working directory).
#if SSOOIDC_STORAGE_SQLITE
  if (url.starts_with("sqlite://")) return open_sqlite_storage(url.substr(9));
  if (url.starts_with("sqlite:")) return open_sqlite_storage(url.substr(7));
#else
  if (url.starts_with("sqlite:"))
    return std::unexpected(backend_error("open storage", "the SQLite backend is not built"));
#endif
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
#if SSOOIDC_STORAGE_POSTGRES
    return open_postgres_storage(url);
#else
    return std::unexpected(backend_error("open storage", "the PostgreSQL backend is not built"));
#endif
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const auto colon = url.find(':');
  if (colon == std::string_view::npos) {
    return std::unexpected(
        backend_error("open storage",
                      "the storage URL has no scheme (expected memory:, sqlite:PATH, "
                      "postgres://...)"));
  }
  return std::unexpected(backend_error(
      "open storage", "unsupported storage URL scheme '" + std::string(url.substr(0, colon)) +
                          "' (expected memory:, sqlite:PATH, postgres://...)"));
}

}  // namespace ssooidc::storage
