// The SQLite schema as an ordered list of migrations, and the code that brings a database file up
// to date when it is opened.
//
// Private to storage/sqlite.
#pragma once

#include <span>
#include <string_view>

#include "storage/sqlite/connection.h"

namespace ssooidc::storage::sqlite {

struct Migration {
  int version;  // 1, 2, 3, ... in order
  std::string_view description;
  std::string_view sql;  // any number of statements
};

[[nodiscard]] std::span<const Migration> migrations() noexcept;

// Applies, in one BEGIN IMMEDIATE transaction, every migration newer than the version recorded in
// schema_migrations, recording each. Safe to run from several processes at once (the second waits
// and then finds nothing to do). Error when the file is newer than this build knows.
[[nodiscard]] Result<void> migrate(Connection& connection);

}  // namespace ssooidc::storage::sqlite
