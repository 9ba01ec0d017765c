// What a redemption that won writes, the same in every SQL backend: the tokens it issued, then
// the retry-grace entry of its response, inside the redemption's own transaction (SQLite: its
// savepoint of the group commit's batch), so that an issuance commits once (issue 15).
//
// Private to src/storage. `Connection` is a backend's connection type; `insert_tokens` and
// `put_retry_grace` are that backend's (found by argument-dependent lookup in its namespace),
// each running its statements in the transaction the caller has open.
#pragma once

#include <vector>

#include "storage/storage.h"

namespace ssooidc::storage {

template <typename Connection>
[[nodiscard]] Result<void> insert_issued(Connection& connection,
                                         const std::vector<TokenRecord>& tokens,
                                         const RetryGraceEntry* remember) {
  if (auto inserted = insert_tokens(connection, tokens); !inserted) return inserted;
  if (remember != nullptr) return put_retry_grace(connection, *remember);
  return {};
}

}  // namespace ssooidc::storage
