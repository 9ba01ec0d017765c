// The in-memory backend's portal stores (storage/portal_stores.h): accounts and roles, groups,
// assignments and credential records, under one mutex of their own.
//
// Private to src/storage.
#pragma once

#include <memory>

#include "storage/storage.h"

namespace ssooidc::storage {

class MemoryPortalStores {
 public:
  MemoryPortalStores();
  ~MemoryPortalStores();
  MemoryPortalStores(const MemoryPortalStores&) = delete;
  MemoryPortalStores& operator=(const MemoryPortalStores&) = delete;

  AccountStore& accounts();
  GroupStore& groups();
  AssignmentStore& assignments();
  CredentialRecordStore& credential_records();

 public:
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<GroupStore> groups_;
  std::unique_ptr<AssignmentStore> assignments_;
  std::unique_ptr<CredentialRecordStore> records_;
};

}  // namespace ssooidc::storage
