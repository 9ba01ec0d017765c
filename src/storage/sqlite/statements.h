// Every SQL statement the SQLite backend runs after migrations, named, so that each connection
// can cache its prepared form in an array indexed by `Sql`.
//
// Private to storage/sqlite.
#pragma once

#include <cstddef>
#include <string_view>

namespace ssooidc::storage::sqlite {

enum class Sql : std::size_t {
  kBegin,
  kCommit,
  kRollback,
  kSavepoint,
  kReleaseSavepoint,
  kRollbackToSavepoint,
  kLatestSchemaVersion,
  kRecordMigration,
  kInsertClient,
  kFindClient,
  kListOperatorClients,
  kRemoveClientDeviceAuthorizations,
  kRemoveClientTokens,
  kRemoveClientAuthorizationCodes,
  kRemoveClient,
  kPurgeClientDeviceAuthorizations,
  kPurgeClientTokens,
  kPurgeClientAuthorizationCodes,
  kPurgeClients,
  kInsertDeviceAuthorization,
  kFindDeviceAuthorizationByHash,
  kFindDeviceAuthorizationByUserCode,
  kDecideDeviceAuthorization,
  kRedeemDeviceAuthorization,
  kPurgeDeviceAuthorizations,
  kCountPendingDeviceAuthorizations,
  kScanPendingDeviceAuthorizations,
  kLatestDeviceAuthorizationChange,
  kDeviceAuthorizationChangesSince,
  kTrimDeviceAuthorizationChanges,
  kInsertToken,
  kFindToken,
  kMarkRefreshTokenUsed,
  kRevokeTokenFamily,
  kPurgeTokens,
  kInsertUser,
  kFindUser,
  kListUsers,
  kSetUserDisabled,
  kCountUsers,
  kInsertAuthorizationCode,
  kFindAuthorizationCode,
  kRedeemAuthorizationCode,
  kPurgeAuthorizationCodes,
  kInsertSigningKey,
  kListSigningKeys,
  kSetSigningKeyPem,
  kPurgeSigningKeys,
  // The SSO portal's stores (portal_store.cc); kFamilyExpiresAt belongs to the token store.
  kFamilyExpiresAt,
  kPutAccount,
  kFindAccount,
  kListAccounts,
  kDeleteAccount,
  kDeleteAccountRoles,
  kDeleteAccountAssignments,
  kPutRole,
  kFindRole,
  kListRolesOfAccount,
  kListAllRoles,
  kDeleteRole,
  kDeleteRoleAssignments,
  kPutGroup,
  kFindGroup,
  kListGroups,
  kDeleteGroup,
  kDeleteGroupMembers,
  kDeleteGroupAssignments,
  kAddGroupMember,
  kRemoveGroupMember,
  kListGroupMembers,
  kAddAssignment,
  kRemoveAssignment,
  kListAssignments,
  kAccountsForUser,
  kRolesForUser,
  kAssignedRole,
  kInsertCredentialRecord,
  kListCredentialRecords,
  kPurgeCredentialRecords,
  // The shared state (shared_state_store.cc).
  kRowCount,
  kInsertWebSession,
  kFindWebSession,
  kTouchWebSession,
  kUpdateWebSession,
  kDeleteWebSession,
  kPurgeEndedWebSessions,
  kEvictWebSessions,
  kFindRateCounter,
  kInsertRateCounter,
  kUpdateRateCounter,
  kDeleteRateCounter,
  kPurgeBucketRateCounters,
  kEvictRateCounters,
  kPurgeRateCounters,
  kAddPollCount,
  kFindPollCount,
  kAnyPollCount,
  kPurgePollCounts,
  kAcquireLease,
  kReleaseLease,
  kFindLease,
  kPutRetryGrace,
  kFindRetryGrace,
  kPurgeRetryGrace,
  kRecycleRetryGrace,
  kCount,  // not a statement: the size of the cache
};

inline constexpr std::size_t kSqlCount = static_cast<std::size_t>(Sql::kCount);

struct SqlStatement {
  Sql id;                      // its own index, checked at compile time
  std::string_view operation;  // names the statement in errors: "find client"
  std::string_view text;
};

[[nodiscard]] const SqlStatement& sql_statement(Sql id) noexcept;

}  // namespace ssooidc::storage::sqlite
