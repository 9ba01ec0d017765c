// How `copy_storage` (storage.h) moves rows between backends: one backend reads its tables into
// a TableSink that another backend provides. Rows travel as text in the schema every backend
// shares (the same table and column names, storage/*/migrations.cc); NULL is nullopt.
//
// Private to src/storage.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage.h"

namespace ssooidc::storage {

class TableSink {
 public:
  virtual ~TableSink() = default;
  // The rows that follow belong to `table`, with these columns in this order.
  [[nodiscard]] virtual Result<void> begin_table(std::string_view table,
                                                 const std::vector<std::string>& columns) = 0;
  [[nodiscard]] virtual Result<void> row(const std::vector<std::optional<std::string>>& values) = 0;
};

}  // namespace ssooidc::storage
