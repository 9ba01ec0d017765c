// The PostgreSQL schema as an ordered list of migrations (the same versions as the SQLite
// backend's, so that `storage copy` moves rows between equal schemas), and the code that brings
// a database up to date.
//
// Private to storage/postgres.
#pragma once

#include <span>
#include <string_view>

#include "storage/postgres/connection.h"

namespace ssooidc::storage::postgres {

struct Migration {
  int version;  // increasing (the same numbers as the SQLite backend's)
  std::string_view description;
  std::string_view sql;  // any number of statements, no values
};

[[nodiscard]] std::span<const Migration> migrations() noexcept;

// Takes the session-level advisory lock kMigrationLock (waiting while another replica holds
// it, up to 5 minutes whatever the statement timeout), then applies in one transaction every migration newer than the version recorded in
// schema_migrations, recording each, and unlocks. Of replicas starting at once one applies, the
// others wait and then find nothing to do. Error when the database is newer than this build.
// `connection` should not be pooled afterwards (closing it also drops the lock).
[[nodiscard]] Result<void> migrate(Connection& connection);

// The key of the advisory lock migrations hold (pg_advisory_lock(bigint)).
inline constexpr std::string_view kMigrationLock = "7135426511290216705";

}  // namespace ssooidc::storage::postgres
