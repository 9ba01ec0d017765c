#include "storage/storage.h"

#include <string>

#include "storage/backend_error.h"
#include "storage/memory/memory_storage.h"
#include "storage/table_copy.h"
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

namespace {

// Counts the rows of each table on their way to the target.
class CountingSink final : public TableSink {
 public:
  explicit CountingSink(TableSink& target) : target_(target) {}
  Result<void> begin_table(std::string_view table,
                           const std::vector<std::string>& columns) override {
    copied_.push_back({std::string(table), 0});
    return target_.begin_table(table, columns);
  }
  Result<void> row(const std::vector<std::optional<std::string>>& values) override {
    ++copied_.back().rows;
    return target_.row(values);
  }
  std::vector<CopiedTable> take() { return std::move(copied_); }

 private:
  TableSink& target_;
  std::vector<CopiedTable> copied_;
};

}  // namespace

Result<std::vector<CopiedTable>> copy_storage(std::string_view from_url, std::string_view to_url) {
  const bool to_postgres = to_url.starts_with("postgres://") || to_url.starts_with("postgresql://");
  std::string_view from_path;
  if (from_url.starts_with("sqlite://")) {
    from_path = from_url.substr(9);
  } else if (from_url.starts_with("sqlite:")) {
    from_path = from_url.substr(7);
  }
  if (from_path.empty() || !to_postgres) {
    return std::unexpected(backend_error(
        "copy storage", "only a copy from sqlite:PATH to postgres(ql)://... is supported"));
  }
#if SSOOIDC_STORAGE_SQLITE && SSOOIDC_STORAGE_POSTGRES
  auto import = begin_postgres_import(to_url);
  if (!import) return std::unexpected(std::move(import.error()));
  CountingSink counting((*import)->sink());
  if (auto exported = export_sqlite_tables(from_path, counting); !exported)
    return std::unexpected(std::move(exported.error()));
  if (auto committed = (*import)->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return counting.take();
#else
  return std::unexpected(
      backend_error("copy storage", "the SQLite and PostgreSQL backends are not both built"));
#endif
}

}  // namespace ssooidc::storage
