// The storage contract (src/storage/storage.h), written once and run against every backend.
//
// A backend joins by adding one entry to kBackends at the bottom: a factory for a Backend that
// opens Storage objects over one place (a temporary file, a scratch database). Tests that need the
// data to outlive a Storage object (reopen, persistence) skip themselves for backends that are not
// persistent.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "storage/memory/memory_storage.h"
#include "storage/sqlite/sqlite_storage.h"
#include "storage/storage.h"
#if SSOOIDC_TEST_POSTGRES
#include "postgres_test_support.h"
#endif
#include "storage_test_support.h"
#include "testing/faulty_storage.h"

namespace ssooidc::storage {
namespace {

using ::ssooidc::test_support::FaultMode;
using ::ssooidc::test_support::FaultyStorage;

using test_support::describe;
using test_support::must;
using test_support::TempDir;

constexpr std::int64_t kNow = 1'700'000'000;

AuthorizationCodeRecord make_code_for_vocabulary(std::string code_hash) {
  AuthorizationCodeRecord code;
  code.code_hash = std::move(code_hash);
  code.client_id = "client-1";
  code.redirect_uri = "http://127.0.0.1/cb";
  code.code_challenge = "challenge";
  code.user_name = "alice";
  code.created_at = kNow;
  code.expires_at = kNow + 300;
  return code;
}

// ---- backends -----------------------------------------------------------------------------------

class Backend {
 public:
  virtual ~Backend() = default;
  // A Storage over this backend's data. When persistent(), every call reaches the same data.
  virtual Result<std::unique_ptr<Storage>> open() = 0;
  virtual bool persistent() const = 0;
};

class MemoryBackend final : public Backend {
 public:
  Result<std::unique_ptr<Storage>> open() override { return open_storage("memory:"); }
  bool persistent() const override { return false; }
};

class SqliteBackend final : public Backend {
 public:
  // A nested path, so that every test also checks that parent directories are created.
  Result<std::unique_ptr<Storage>> open() override {
    return open_storage("sqlite:" + (dir_.path() / "nested" / "dir" / "ssooidc.db").string());
  }
  bool persistent() const override { return true; }

 private:
  TempDir dir_;
};

#if SSOOIDC_TEST_POSTGRES
// A scratch schema of the test PostgreSQL (postgres_test_support.h): every Storage this backend
// opens shares it. Without SSOOIDC_TEST_POSTGRES_URL, open() fails and so does every test.
class PostgresBackend final : public Backend {
 public:
  Result<std::unique_ptr<Storage>> open() override {
    if (!schema_) {
      try {
        schema_ = std::make_unique<test_support::ScratchSchema>();
      } catch (const std::exception& e) {
        return std::unexpected(Error::make(ErrorType::kInternalServer, e.what()));
      }
    }
    return open_storage(schema_->url());
  }
  bool persistent() const override { return true; }

 private:
  std::unique_ptr<test_support::ScratchSchema> schema_;
};
#endif  // SSOOIDC_TEST_POSTGRES (the build has the PostgreSQL backend)

struct BackendParam {
  const char* name;
  std::function<std::unique_ptr<Backend>()> make;
};

// Names the backend in test output instead of dumping the struct's bytes.
void PrintTo(const BackendParam& param, std::ostream* out) { *out << param.name; }

// ---- records ------------------------------------------------------------------------------------

ClientRecord make_client(std::string client_id) {
  ClientRecord client;
  client.client_id = std::move(client_id);
  client.secret_hash = std::string(64, 'a');
  client.client_name = "my-cli";
  client.client_type = "public";
  client.scopes = {"sso:account:access", "codewhisperer:completions"};
  client.redirect_uris = {"http://127.0.0.1:53535/oauth/callback"};
  client.grant_types = {"urn:ietf:params:oauth:grant-type:device_code", "refresh_token"};
  client.issuer_url = "https://identitycenter.amazonaws.com/ssoins-1234";
  client.issued_at = kNow;
  client.expires_at = kNow + 90 * 24 * 3600;
  return client;
}

DeviceAuthorizationRecord make_authorization(std::string device_code_hash, std::string user_code,
                                             std::string client_id = "client-1") {
  DeviceAuthorizationRecord authorization;
  authorization.device_code_hash = std::move(device_code_hash);
  authorization.user_code = std::move(user_code);
  authorization.client_id = std::move(client_id);
  authorization.start_url = "https://my-sso-portal.awsapps.com/start";
  authorization.created_at = kNow;
  authorization.expires_at = kNow + 600;
  authorization.interval = 5;
  authorization.requester_address = "192.0.2.7";
  return authorization;
}

TokenRecord make_token(std::string token_hash, TokenKind kind, std::string family_id = "family-1",
                       std::string client_id = "client-1") {
  TokenRecord token;
  token.token_hash = std::move(token_hash);
  token.kind = kind;
  token.family_id = std::move(family_id);
  token.client_id = std::move(client_id);
  token.user_name = "alice";
  token.scopes = {"sso:account:access"};
  token.issued_at = kNow;
  token.expires_at = kNow + 3600;
  return token;
}

UserRecord make_user(std::string name) {
  UserRecord user;
  user.name = std::move(name);
  user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
  user.created_at = kNow;
  user.email = user.name + "@example.com";
  return user;
}

void expect_equal(const ClientRecord& actual, const ClientRecord& expected) {
  EXPECT_EQ(actual.client_id, expected.client_id);
  EXPECT_EQ(actual.secret_hash, expected.secret_hash);
  EXPECT_EQ(actual.client_name, expected.client_name);
  EXPECT_EQ(actual.client_type, expected.client_type);
  EXPECT_EQ(actual.scopes, expected.scopes);
  EXPECT_EQ(actual.redirect_uris, expected.redirect_uris);
  EXPECT_EQ(actual.grant_types, expected.grant_types);
  EXPECT_EQ(actual.issuer_url, expected.issuer_url);
  EXPECT_EQ(actual.issued_at, expected.issued_at);
  EXPECT_EQ(actual.expires_at, expected.expires_at);
  EXPECT_EQ(actual.origin, expected.origin);
}

void expect_equal(const DeviceAuthorizationRecord& actual,
                  const DeviceAuthorizationRecord& expected) {
  EXPECT_EQ(actual.device_code_hash, expected.device_code_hash);
  EXPECT_EQ(actual.user_code, expected.user_code);
  EXPECT_EQ(actual.client_id, expected.client_id);
  EXPECT_EQ(actual.start_url, expected.start_url);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.expires_at, expected.expires_at);
  EXPECT_EQ(actual.interval, expected.interval);
  EXPECT_EQ(actual.state, expected.state);
  EXPECT_EQ(actual.user_name, expected.user_name);
  EXPECT_EQ(actual.decided_at, expected.decided_at);
  EXPECT_EQ(actual.requester_address, expected.requester_address);
  EXPECT_EQ(actual.scopes, expected.scopes);
}

void expect_equal(const TokenRecord& actual, const TokenRecord& expected) {
  EXPECT_EQ(actual.token_hash, expected.token_hash);
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.family_id, expected.family_id);
  EXPECT_EQ(actual.client_id, expected.client_id);
  EXPECT_EQ(actual.user_name, expected.user_name);
  EXPECT_EQ(actual.scopes, expected.scopes);
  EXPECT_EQ(actual.issued_at, expected.issued_at);
  EXPECT_EQ(actual.expires_at, expected.expires_at);
  EXPECT_EQ(actual.used, expected.used);
  EXPECT_EQ(actual.revoked, expected.revoked);
}

void expect_equal(const UserRecord& actual, const UserRecord& expected) {
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.password_hash, expected.password_hash);
  EXPECT_EQ(actual.disabled, expected.disabled);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.email, expected.email);
}

template <typename T>
void expect_internal_error(const Result<T>& result) {
  ASSERT_FALSE(result.has_value()) << "expected an error";
  EXPECT_EQ(result.error().type, ErrorType::kInternalServer);
  EXPECT_TRUE(result.error().error_description.starts_with("storage: "))
      << result.error().error_description;
}

// Lists that a separator-joined encoding would break.
const std::vector<std::vector<std::string>> kAwkwardLists = {
    {},
    {""},
    {"", ""},
    {"a,b", "c, d", ",", ",,"},
    {"line\nbreak", "\r\n", "tab\there", "trailing\n"},
    {"[\"json\"]", "\"quoted\"", "back\\slash", "\\u0041", "{}"},
    {"\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x94\x91 key", "\xe2\x80\x8b"},
    {std::string("nul\0byte", 8), "\x01\x1f\x7f"},
    {std::string(10000, 'x')},
};

// ---- fixture ------------------------------------------------------------------------------------

class StorageConformanceTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    auto opened = backend_->open();
    ASSERT_TRUE(opened.has_value()) << describe(opened);
    storage_ = std::move(*opened);
  }

  // Reopens over the same data (persistent backends only).
  void reopen() {
    storage_.reset();
    storage_ = must(backend_->open());
  }

  ClientStore& clients() { return storage_->clients(); }
  DeviceAuthorizationStore& devices() { return storage_->device_authorizations(); }
  TokenStore& tokens() { return storage_->tokens(); }
  UserStore& users() { return storage_->users(); }

  std::optional<TokenRecord> token(std::string_view hash) { return must(tokens().find(hash)); }
  std::optional<DeviceAuthorizationRecord> authorization(std::string_view hash) {
    return must(devices().find_by_device_code_hash(hash));
  }

  // Inserts an authorization of client-1 and approves it by alice at kNow + 10.
  void insert_approved(const std::string& device_code_hash, const std::string& user_code) {
    ASSERT_TRUE(must(devices().insert(make_authorization(device_code_hash, user_code))));
    ASSERT_TRUE(must(devices().decide(user_code, true, "alice", kNow + 10)));
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Storage> storage_;
};

// ---- clients ------------------------------------------------------------------------------------

TEST_P(StorageConformanceTest, ClientInsertThenFindReturnsEveryField) {
  const auto client = make_client("client-1");
  must(clients().insert(client));
  const auto found = must(clients().find("client-1"));
  ASSERT_TRUE(found.has_value());
  expect_equal(*found, client);
}

// Issue 14: the operator's clients are listed (registrations are not), in client_id order, and
// removing one takes its device authorizations, tokens and codes with it, and nothing else.
TEST_P(StorageConformanceTest, OperatorClientsAreListedAndRemovedWithWhatHangsOffThem) {
  auto tool = make_client("tool-b");
  tool.origin = ClientOrigin::kOperator;
  tool.secret_hash = "";  // a public client
  auto other = make_client("tool-a");
  other.origin = ClientOrigin::kOperator;
  must(clients().insert(tool));
  must(clients().insert(other));
  must(clients().insert(make_client("registered-1")));
  auto listed = must(clients().list_operator_clients());
  ASSERT_EQ(listed.size(), 2u);
  expect_equal(listed[0], other);
  expect_equal(listed[1], tool);
  expect_equal(*must(clients().find("tool-b")), tool);

  ASSERT_TRUE(must(devices().insert(make_authorization("dev-b", "BBBBBBBB", "tool-b"))));
  ASSERT_TRUE(must(devices().insert(make_authorization("dev-a", "AAAAAAAA", "tool-a"))));
  must(tokens().insert({make_token("tok-b", TokenKind::kAccess, "fam-b", "tool-b"),
                        make_token("tok-a", TokenKind::kAccess, "fam-a", "tool-a")}));
  auto code = make_code_for_vocabulary("code-b");
  code.client_id = "tool-b";
  must(storage_->authorization_codes().insert(code));

  EXPECT_TRUE(must(clients().remove("tool-b")));
  EXPECT_FALSE(must(clients().find("tool-b")).has_value());
  EXPECT_FALSE(authorization("dev-b").has_value());
  EXPECT_FALSE(must(devices().find_by_user_code("BBBBBBBB")).has_value());
  EXPECT_FALSE(token("tok-b").has_value());
  EXPECT_FALSE(must(storage_->authorization_codes().find("code-b")).has_value());
  EXPECT_TRUE(authorization("dev-a").has_value());
  EXPECT_TRUE(token("tok-a").has_value());
  EXPECT_TRUE(must(clients().find("registered-1")).has_value());
  EXPECT_EQ(must(clients().list_operator_clients()).size(), 1u);
  EXPECT_FALSE(must(clients().remove("tool-b")));
  EXPECT_FALSE(must(clients().remove("unknown")));
}

// Issue 14: the scopes of a device authorization (RFC 8628 3.1) round-trip, awkward ones too.
// The metrics gauge (ssooidc_pending_device_authorizations): only undecided, unexpired ones.
TEST_P(StorageConformanceTest, CountPendingCountsOnlyUndecidedUnexpiredAuthorizations) {
  EXPECT_EQ(must(devices().count_pending(kNow)), 0);
  ASSERT_TRUE(must(devices().insert(make_authorization("dev-p1", "PPPPPPP1"))));
  ASSERT_TRUE(must(devices().insert(make_authorization("dev-p2", "PPPPPPP2"))));
  ASSERT_TRUE(must(devices().insert(make_authorization("dev-ok", "APPROVED"))));
  ASSERT_TRUE(must(devices().insert(make_authorization("dev-no", "DENIEDXX"))));
  ASSERT_TRUE(must(devices().decide("APPROVED", true, "alice", kNow + 1)));
  ASSERT_TRUE(must(devices().decide("DENIEDXX", false, "alice", kNow + 1)));
  EXPECT_EQ(must(devices().count_pending(kNow + 2)), 2);
  // expires_at is kNow + 600: at that second a code is no longer pending.
  EXPECT_EQ(must(devices().count_pending(kNow + 599)), 2);
  EXPECT_EQ(must(devices().count_pending(kNow + 600)), 0);
}

TEST_P(StorageConformanceTest, DeviceScopesRoundTrip) {
  for (std::size_t i = 0; i < kAwkwardLists.size(); ++i) {
    auto authorization = make_authorization("dev-scopes-" + std::to_string(i),
                                            "SCOPE" + std::string(3, static_cast<char>('A' + i)));
    authorization.scopes = kAwkwardLists[i];
    ASSERT_TRUE(must(devices().insert(authorization)));
    expect_equal(*this->authorization(authorization.device_code_hash), authorization);
  }
}

TEST_P(StorageConformanceTest, ClientWithEmptyFieldsRoundTrips) {
  ClientRecord client;
  client.client_id = "bare";
  must(clients().insert(client));
  const auto found = must(clients().find("bare"));
  ASSERT_TRUE(found.has_value());
  expect_equal(*found, client);
}

TEST_P(StorageConformanceTest, ClientListFieldsRoundTripAwkwardStrings) {
  for (std::size_t i = 0; i < kAwkwardLists.size(); ++i) {
    SCOPED_TRACE(i);
    auto client = make_client("client-" + std::to_string(i));
    client.scopes = kAwkwardLists[i];
    client.redirect_uris = kAwkwardLists[(i + 1) % kAwkwardLists.size()];
    client.grant_types = kAwkwardLists[(i + 2) % kAwkwardLists.size()];
    client.client_name = "name, with\ncomma and \xe2\x9c\x93";
    must(clients().insert(client));
    const auto found = must(clients().find(client.client_id));
    ASSERT_TRUE(found.has_value());
    expect_equal(*found, client);
  }
}

TEST_P(StorageConformanceTest, ClientInsertDuplicateIsInternalErrorAndKeepsTheFirst) {
  const auto first = make_client("client-1");
  must(clients().insert(first));
  auto second = make_client("client-1");
  second.client_name = "impostor";
  expect_internal_error(clients().insert(second));
  const auto found = must(clients().find("client-1"));
  ASSERT_TRUE(found.has_value());
  expect_equal(*found, first);
}

// Every backend says "already exists" in the same words (storage_error.h), for every aggregate.
TEST_P(StorageConformanceTest, DuplicateKeysAreAlreadyExistsInEveryBackend) {
  auto expect_already_exists = [](const auto& result, std::string_view what) {
    ASSERT_FALSE(result.has_value()) << what;
    EXPECT_EQ(storage_error_code(result.error()), StorageErrorCode::kAlreadyExists)
        << what << ": " << result.error().error_description;
  };
  must(clients().insert(make_client("client-1")));
  expect_already_exists(clients().insert(make_client("client-1")), "client");
  EXPECT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  expect_already_exists(devices().insert(make_authorization("hash-1", "ZYXWVUTS")), "device");
  must(storage_->authorization_codes().insert(make_code_for_vocabulary("code-1")));
  expect_already_exists(storage_->authorization_codes().insert(make_code_for_vocabulary("code-1")),
                        "authorization code");
}

// A fault the injector makes is what an outage looks like: unavailable.
TEST_P(StorageConformanceTest, InjectedFaultsAreUnavailable) {
  FaultyStorage faulty(*storage_);
  faulty.fail_call(1);
  const auto failed = faulty.users().count();
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(storage_error_code(failed.error()), StorageErrorCode::kUnavailable);
}

TEST_P(StorageConformanceTest, ClientFindUnknownIsNullopt) {
  EXPECT_FALSE(must(clients().find("nobody")).has_value());
  must(clients().insert(make_client("client-1")));
  EXPECT_FALSE(must(clients().find("client-2")).has_value());
  EXPECT_FALSE(must(clients().find("")).has_value());
  EXPECT_FALSE(must(clients().find("CLIENT-1")).has_value());
}

// ---- device authorizations ----------------------------------------------------------------------

TEST_P(StorageConformanceTest, DeviceInsertThenFindByEitherKeyReturnsEveryField) {
  const auto authorization = make_authorization("hash-1", "ABCDEFGH");
  EXPECT_TRUE(must(devices().insert(authorization)));
  const auto by_hash = must(devices().find_by_device_code_hash("hash-1"));
  ASSERT_TRUE(by_hash.has_value());
  expect_equal(*by_hash, authorization);
  const auto by_code = must(devices().find_by_user_code("ABCDEFGH"));
  ASSERT_TRUE(by_code.has_value());
  expect_equal(*by_code, authorization);
}

TEST_P(StorageConformanceTest, DeviceInsertKeepsGivenStateAndDecision) {
  auto authorization = make_authorization("hash-1", "ABCDEFGH");
  authorization.state = DeviceState::kDenied;
  authorization.user_name = "bob";
  authorization.decided_at = kNow + 3;
  EXPECT_TRUE(must(devices().insert(authorization)));
  const auto found = must(devices().find_by_user_code("ABCDEFGH"));
  ASSERT_TRUE(found.has_value());
  expect_equal(*found, authorization);
}

TEST_P(StorageConformanceTest, DeviceInsertWithTakenUserCodeReturnsFalseAndStoresNothing) {
  const auto first = make_authorization("hash-1", "ABCDEFGH");
  EXPECT_TRUE(must(devices().insert(first)));
  auto second = make_authorization("hash-2", "ABCDEFGH", "client-2");
  EXPECT_FALSE(must(devices().insert(second)));
  EXPECT_FALSE(must(devices().find_by_device_code_hash("hash-2")).has_value());
  const auto by_code = must(devices().find_by_user_code("ABCDEFGH"));
  ASSERT_TRUE(by_code.has_value());
  expect_equal(*by_code, first);
  // A different user code for the same attempt goes in.
  second.user_code = "ABCDEFGJ";
  EXPECT_TRUE(must(devices().insert(second)));
}

TEST_P(StorageConformanceTest, DeviceUserCodeOfAFinishedAuthorizationStaysTakenUntilPurged) {
  insert_approved("hash-1", "ABCDEFGH");
  EXPECT_TRUE(must(devices().redeem("hash-1", "client-1", kNow + 20, {})));
  EXPECT_FALSE(must(devices().insert(make_authorization("hash-2", "ABCDEFGH"))));
  EXPECT_EQ(must(devices().purge_expired(kNow + 601)), 1);
  EXPECT_TRUE(must(devices().insert(make_authorization("hash-2", "ABCDEFGH"))));
}

TEST_P(StorageConformanceTest, DeviceInsertDuplicateDeviceCodeHashIsInternalError) {
  EXPECT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  expect_internal_error(devices().insert(make_authorization("hash-1", "ZYXWVUTS")));
  EXPECT_FALSE(must(devices().find_by_user_code("ZYXWVUTS")).has_value());
}

TEST_P(StorageConformanceTest, DeviceFindUnknownIsNullopt) {
  EXPECT_FALSE(must(devices().find_by_device_code_hash("nothing")).has_value());
  EXPECT_FALSE(must(devices().find_by_user_code("NOTHINGG")).has_value());
  EXPECT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  EXPECT_FALSE(must(devices().find_by_device_code_hash("hash-2")).has_value());
  EXPECT_FALSE(must(devices().find_by_user_code("abcdefgh")).has_value());
  EXPECT_FALSE(must(devices().find_by_user_code("hash-1")).has_value());
}

TEST_P(StorageConformanceTest, DecideAllowRecordsWhoAndWhen) {
  const auto inserted = make_authorization("hash-1", "ABCDEFGH");
  ASSERT_TRUE(must(devices().insert(inserted)));
  EXPECT_TRUE(must(devices().decide("ABCDEFGH", true, "alice", kNow + 42)));
  auto expected = inserted;
  expected.state = DeviceState::kApproved;
  expected.user_name = "alice";
  expected.decided_at = kNow + 42;
  const auto found = authorization("hash-1");
  ASSERT_TRUE(found.has_value());
  expect_equal(*found, expected);
}

TEST_P(StorageConformanceTest, DecideDenyRecordsWhoAndWhen) {
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  EXPECT_TRUE(must(devices().decide("ABCDEFGH", false, "bob", kNow + 7)));
  const auto found = authorization("hash-1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, DeviceState::kDenied);
  EXPECT_EQ(found->user_name, "bob");
  EXPECT_EQ(found->decided_at, kNow + 7);
}

TEST_P(StorageConformanceTest, DecideOnlyFromPending) {
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  EXPECT_TRUE(must(devices().decide("ABCDEFGH", true, "alice", kNow + 1)));
  EXPECT_FALSE(must(devices().decide("ABCDEFGH", false, "mallory", kNow + 2)));
  EXPECT_FALSE(must(devices().decide("ABCDEFGH", true, "mallory", kNow + 2)));
  auto found = authorization("hash-1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, DeviceState::kApproved);
  EXPECT_EQ(found->user_name, "alice");
  EXPECT_EQ(found->decided_at, kNow + 1);

  ASSERT_TRUE(must(devices().insert(make_authorization("hash-2", "BCDEFGHJ"))));
  EXPECT_TRUE(must(devices().decide("BCDEFGHJ", false, "bob", kNow + 1)));
  EXPECT_FALSE(must(devices().decide("BCDEFGHJ", true, "mallory", kNow + 2)));
  found = authorization("hash-2");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, DeviceState::kDenied);
  EXPECT_EQ(found->user_name, "bob");

  insert_approved("hash-3", "CDEFGHJK");
  ASSERT_TRUE(must(devices().redeem("hash-3", "client-1", kNow + 20, {})));
  EXPECT_FALSE(must(devices().decide("CDEFGHJK", true, "mallory", kNow + 30)));
  EXPECT_EQ(authorization("hash-3")->state, DeviceState::kRedeemed);
}

TEST_P(StorageConformanceTest, DecideOnlyBeforeExpiry) {
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  // expires_at is kNow + 600: at that instant it has expired.
  EXPECT_FALSE(must(devices().decide("ABCDEFGH", true, "alice", kNow + 600)));
  EXPECT_FALSE(must(devices().decide("ABCDEFGH", true, "alice", kNow + 601)));
  EXPECT_EQ(authorization("hash-1")->state, DeviceState::kPending);
  EXPECT_EQ(authorization("hash-1")->user_name, "");
  EXPECT_EQ(authorization("hash-1")->decided_at, 0);
  EXPECT_TRUE(must(devices().decide("ABCDEFGH", true, "alice", kNow + 599)));
}

TEST_P(StorageConformanceTest, DecideUnknownUserCodeReturnsFalse) {
  EXPECT_FALSE(must(devices().decide("NOTHINGG", true, "alice", kNow)));
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-1", "ABCDEFGH"))));
  EXPECT_FALSE(must(devices().decide("hash-1", true, "alice", kNow)));
  EXPECT_EQ(authorization("hash-1")->state, DeviceState::kPending);
}

TEST_P(StorageConformanceTest, RedeemApprovedMarksRedeemedAndInsertsTokens) {
  insert_approved("hash-1", "ABCDEFGH");
  const auto access = make_token("access-1", TokenKind::kAccess);
  const auto refresh = make_token("refresh-1", TokenKind::kRefresh);
  EXPECT_FALSE(token("access-1").has_value());
  EXPECT_TRUE(must(devices().redeem("hash-1", "client-1", kNow + 20, {access, refresh})));
  const auto found = authorization("hash-1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, DeviceState::kRedeemed);
  EXPECT_EQ(found->user_name, "alice");  // the decision is kept
  EXPECT_EQ(found->decided_at, kNow + 10);
  ASSERT_TRUE(token("access-1").has_value());
  expect_equal(*token("access-1"), access);
  ASSERT_TRUE(token("refresh-1").has_value());
  expect_equal(*token("refresh-1"), refresh);
}

TEST_P(StorageConformanceTest, RedeemWithNoTokensStillRedeems) {
  insert_approved("hash-1", "ABCDEFGH");
  EXPECT_TRUE(must(devices().redeem("hash-1", "client-1", kNow + 20, {})));
  EXPECT_EQ(authorization("hash-1")->state, DeviceState::kRedeemed);
}

TEST_P(StorageConformanceTest, RedeemOnlyOnce) {
  insert_approved("hash-1", "ABCDEFGH");
  EXPECT_TRUE(must(devices().redeem("hash-1", "client-1", kNow + 20,
                                    {make_token("access-1", TokenKind::kAccess)})));
  EXPECT_FALSE(must(devices().redeem("hash-1", "client-1", kNow + 21,
                                     {make_token("access-2", TokenKind::kAccess)})));
  EXPECT_TRUE(token("access-1").has_value());
  EXPECT_FALSE(token("access-2").has_value());
}

TEST_P(StorageConformanceTest, RedeemRefusesPendingDeniedUnknownOtherClientAndExpired) {
  const std::vector<TokenRecord> tokens_to_issue = {make_token("access-x", TokenKind::kAccess),
                                                    make_token("refresh-x", TokenKind::kRefresh)};
  ASSERT_TRUE(must(devices().insert(make_authorization("pending", "AAAAAAAA"))));
  EXPECT_FALSE(must(devices().redeem("pending", "client-1", kNow + 20, tokens_to_issue)));
  EXPECT_EQ(authorization("pending")->state, DeviceState::kPending);

  ASSERT_TRUE(must(devices().insert(make_authorization("denied", "BBBBBBBB"))));
  ASSERT_TRUE(must(devices().decide("BBBBBBBB", false, "alice", kNow + 10)));
  EXPECT_FALSE(must(devices().redeem("denied", "client-1", kNow + 20, tokens_to_issue)));
  EXPECT_EQ(authorization("denied")->state, DeviceState::kDenied);

  EXPECT_FALSE(must(devices().redeem("unknown", "client-1", kNow + 20, tokens_to_issue)));

  insert_approved("approved", "CCCCCCCC");
  EXPECT_FALSE(must(devices().redeem("approved", "client-2", kNow + 20, tokens_to_issue)));
  EXPECT_FALSE(must(devices().redeem("approved", "", kNow + 20, tokens_to_issue)));
  // expires_at is kNow + 600: at that instant it has expired.
  EXPECT_FALSE(must(devices().redeem("approved", "client-1", kNow + 600, tokens_to_issue)));
  EXPECT_FALSE(must(devices().redeem("approved", "client-1", kNow + 9999, tokens_to_issue)));
  EXPECT_EQ(authorization("approved")->state, DeviceState::kApproved);

  EXPECT_FALSE(token("access-x").has_value());
  EXPECT_FALSE(token("refresh-x").has_value());
  EXPECT_TRUE(must(devices().redeem("approved", "client-1", kNow + 599, tokens_to_issue)));
  EXPECT_TRUE(token("access-x").has_value());
}

TEST_P(StorageConformanceTest, RedeemWithTakenTokenHashFailsAndChangesNothing) {
  must(tokens().insert({make_token("taken", TokenKind::kAccess, "other-family")}));
  insert_approved("hash-1", "ABCDEFGH");
  // The collision comes second, so a backend that is not atomic would leave access-1 behind.
  expect_internal_error(devices().redeem(
      "hash-1", "client-1", kNow + 20,
      {make_token("access-1", TokenKind::kAccess), make_token("taken", TokenKind::kRefresh)}));
  EXPECT_EQ(authorization("hash-1")->state, DeviceState::kApproved);
  EXPECT_FALSE(token("access-1").has_value());
  EXPECT_EQ(token("taken")->family_id, "other-family");

  EXPECT_TRUE(must(devices().redeem(
      "hash-1", "client-1", kNow + 20,
      {make_token("access-1", TokenKind::kAccess), make_token("refresh-1", TokenKind::kRefresh)})));
}

TEST_P(StorageConformanceTest, DevicePurgeExpiredDeletesOnlyThoseExpiredBefore) {
  for (int i = 1; i <= 3; ++i) {
    auto authorization = make_authorization("hash-" + std::to_string(i), std::string(8, 'A' + i));
    authorization.expires_at = i * 100;
    ASSERT_TRUE(must(devices().insert(authorization)));
  }
  EXPECT_EQ(must(devices().purge_expired(100)), 0);  // expires_at == before is kept
  EXPECT_EQ(must(devices().purge_expired(201)), 2);
  EXPECT_FALSE(authorization("hash-1").has_value());
  EXPECT_FALSE(must(devices().find_by_user_code("BBBBBBBB")).has_value());
  EXPECT_FALSE(authorization("hash-2").has_value());
  EXPECT_TRUE(authorization("hash-3").has_value());
  EXPECT_EQ(must(devices().purge_expired(201)), 0);
  EXPECT_EQ(must(devices().purge_expired(301)), 1);
  EXPECT_EQ(must(devices().purge_expired(10'000)), 0);
}

// ---- tokens -------------------------------------------------------------------------------------

TEST_P(StorageConformanceTest, TokenInsertThenFindReturnsEveryField) {
  auto access = make_token("access-1", TokenKind::kAccess);
  auto refresh = make_token("refresh-1", TokenKind::kRefresh, "family-2", "client-2");
  refresh.used = true;
  refresh.revoked = true;
  refresh.scopes = {};
  refresh.user_name = "\xc3\xa9lodie";
  must(tokens().insert({access, refresh}));
  ASSERT_TRUE(token("access-1").has_value());
  expect_equal(*token("access-1"), access);
  ASSERT_TRUE(token("refresh-1").has_value());
  expect_equal(*token("refresh-1"), refresh);
}

TEST_P(StorageConformanceTest, TokenScopesRoundTripAwkwardStrings) {
  for (std::size_t i = 0; i < kAwkwardLists.size(); ++i) {
    SCOPED_TRACE(i);
    auto t = make_token("token-" + std::to_string(i), TokenKind::kAccess);
    t.scopes = kAwkwardLists[i];
    must(tokens().insert({t}));
    ASSERT_TRUE(token(t.token_hash).has_value());
    expect_equal(*token(t.token_hash), t);
  }
}

TEST_P(StorageConformanceTest, TokenInsertEmptyBatchIsFine) { must(tokens().insert({})); }

TEST_P(StorageConformanceTest, TokenFindUnknownIsNullopt) {
  EXPECT_FALSE(token("nothing").has_value());
  must(tokens().insert({make_token("access-1", TokenKind::kAccess)}));
  EXPECT_FALSE(token("access-2").has_value());
  EXPECT_FALSE(token("family-1").has_value());
}

TEST_P(StorageConformanceTest, TokenInsertWithTakenHashFailsAndInsertsNone) {
  must(tokens().insert({make_token("taken", TokenKind::kAccess, "first")}));
  expect_internal_error(tokens().insert(
      {make_token("new-1", TokenKind::kAccess), make_token("taken", TokenKind::kRefresh)}));
  EXPECT_FALSE(token("new-1").has_value());
  EXPECT_EQ(token("taken")->family_id, "first");
  EXPECT_EQ(token("taken")->kind, TokenKind::kAccess);

  // A hash twice in one batch.
  expect_internal_error(tokens().insert(
      {make_token("twin", TokenKind::kAccess), make_token("twin", TokenKind::kRefresh)}));
  EXPECT_FALSE(token("twin").has_value());
}

TEST_P(StorageConformanceTest, RotateMarksUsedAndInsertsReplacementsOnlyOnce) {
  must(tokens().insert({make_token("refresh-1", TokenKind::kRefresh)}));
  const auto access = make_token("access-2", TokenKind::kAccess);
  const auto refresh = make_token("refresh-2", TokenKind::kRefresh);
  EXPECT_TRUE(must(tokens().rotate("refresh-1", {access, refresh})));
  EXPECT_TRUE(token("refresh-1")->used);
  EXPECT_FALSE(token("refresh-1")->revoked);
  ASSERT_TRUE(token("access-2").has_value());
  expect_equal(*token("access-2"), access);
  ASSERT_TRUE(token("refresh-2").has_value());
  expect_equal(*token("refresh-2"), refresh);

  // Reuse of a rotated refresh token: refused, and its replacements are not stored.
  EXPECT_FALSE(must(tokens().rotate("refresh-1", {make_token("access-3", TokenKind::kAccess),
                                                  make_token("refresh-3", TokenKind::kRefresh)})));
  EXPECT_FALSE(token("access-3").has_value());
  EXPECT_FALSE(token("refresh-3").has_value());

  EXPECT_TRUE(must(tokens().rotate("refresh-2", {make_token("refresh-3", TokenKind::kRefresh)})));
}

TEST_P(StorageConformanceTest, RotateRefusesUnknownRevokedAndAccessTokens) {
  const std::vector<TokenRecord> replacement = {make_token("new", TokenKind::kRefresh)};
  EXPECT_FALSE(must(tokens().rotate("unknown", replacement)));

  must(tokens().insert({make_token("revoked", TokenKind::kRefresh, "family-r")}));
  ASSERT_EQ(must(tokens().revoke_family("family-r")), 1);
  EXPECT_FALSE(must(tokens().rotate("revoked", replacement)));
  EXPECT_FALSE(token("revoked")->used);

  must(tokens().insert({make_token("access", TokenKind::kAccess)}));
  EXPECT_FALSE(must(tokens().rotate("access", replacement)));
  EXPECT_FALSE(token("access")->used);

  EXPECT_FALSE(token("new").has_value());
}

TEST_P(StorageConformanceTest, RotateIgnoresExpiry) {
  auto old = make_token("refresh-1", TokenKind::kRefresh);
  old.expires_at = 1;
  must(tokens().insert({old}));
  EXPECT_TRUE(must(tokens().rotate("refresh-1", {})));
  EXPECT_TRUE(token("refresh-1")->used);
}

TEST_P(StorageConformanceTest, RotateWithTakenReplacementHashFailsAndChangesNothing) {
  must(tokens().insert({make_token("refresh-1", TokenKind::kRefresh),
                        make_token("taken", TokenKind::kAccess, "other-family")}));
  expect_internal_error(tokens().rotate("refresh-1", {make_token("access-2", TokenKind::kAccess),
                                                      make_token("taken", TokenKind::kRefresh)}));
  EXPECT_FALSE(token("refresh-1")->used);
  EXPECT_FALSE(token("access-2").has_value());
  EXPECT_EQ(token("taken")->family_id, "other-family");
  EXPECT_TRUE(must(tokens().rotate("refresh-1", {make_token("access-2", TokenKind::kAccess)})));
}

TEST_P(StorageConformanceTest, RevokeFamilyCountsNewlyRevokedTokens) {
  must(tokens().insert({make_token("a1", TokenKind::kAccess, "family-1"),
                        make_token("r1", TokenKind::kRefresh, "family-1"),
                        make_token("a2", TokenKind::kAccess, "family-1"),
                        make_token("other", TokenKind::kRefresh, "family-2")}));
  EXPECT_EQ(must(tokens().revoke_family("family-1")), 3);
  EXPECT_TRUE(token("a1")->revoked);
  EXPECT_TRUE(token("r1")->revoked);
  EXPECT_TRUE(token("a2")->revoked);
  EXPECT_FALSE(token("other")->revoked);
  EXPECT_EQ(must(tokens().revoke_family("family-1")), 0);
  EXPECT_EQ(must(tokens().revoke_family("no-such-family")), 0);
  EXPECT_EQ(must(tokens().revoke_family("")), 0);

  // Tokens joining a revoked family later are counted by the next revocation.
  must(tokens().insert({make_token("late", TokenKind::kAccess, "family-1")}));
  EXPECT_EQ(must(tokens().revoke_family("family-1")), 1);
  EXPECT_FALSE(must(tokens().rotate("r1", {})));
}

TEST_P(StorageConformanceTest, TokenPurgeExpiredDeletesOnlyThoseExpiredBefore) {
  for (int i = 1; i <= 3; ++i) {
    auto t = make_token("token-" + std::to_string(i), TokenKind::kAccess);
    t.expires_at = i * 100;
    must(tokens().insert({t}));
  }
  EXPECT_EQ(must(tokens().purge_expired(100)), 0);  // expires_at == before is kept
  EXPECT_EQ(must(tokens().purge_expired(201)), 2);
  EXPECT_FALSE(token("token-1").has_value());
  EXPECT_FALSE(token("token-2").has_value());
  EXPECT_TRUE(token("token-3").has_value());
  EXPECT_EQ(must(tokens().purge_expired(301)), 1);
  EXPECT_EQ(must(tokens().purge_expired(10'000)), 0);
}

// ---- users --------------------------------------------------------------------------------------

TEST_P(StorageConformanceTest, UserInsertThenFindReturnsEveryField) {
  auto alice = make_user("alice");
  alice.disabled = true;
  auto bob = make_user("bob");
  bob.email = "";
  EXPECT_TRUE(must(users().insert(alice)));
  EXPECT_TRUE(must(users().insert(bob)));
  const auto found_alice = must(users().find("alice"));
  ASSERT_TRUE(found_alice.has_value());
  expect_equal(*found_alice, alice);
  const auto found_bob = must(users().find("bob"));
  ASSERT_TRUE(found_bob.has_value());
  expect_equal(*found_bob, bob);
}

TEST_P(StorageConformanceTest, UserInsertDuplicateReturnsFalseAndKeepsTheFirst) {
  const auto first = make_user("alice");
  EXPECT_TRUE(must(users().insert(first)));
  auto second = make_user("alice");
  second.password_hash = "other";
  second.disabled = true;
  EXPECT_FALSE(must(users().insert(second)));
  expect_equal(*must(users().find("alice")), first);
  EXPECT_EQ(must(users().count()), 1);
}

TEST_P(StorageConformanceTest, UserFindUnknownIsNullopt) {
  EXPECT_FALSE(must(users().find("alice")).has_value());
  EXPECT_TRUE(must(users().insert(make_user("alice"))));
  EXPECT_FALSE(must(users().find("Alice")).has_value());
  EXPECT_FALSE(must(users().find("alice ")).has_value());
}

TEST_P(StorageConformanceTest, UserListIsOrderedByName) {
  EXPECT_TRUE(must(users().list()).empty());
  for (const char* name : {"carol", "alice", "bob", "Bob", "\xc3\xa9mile", "zed"}) {
    EXPECT_TRUE(must(users().insert(make_user(name))));
  }
  const auto listed = must(users().list());
  std::vector<std::string> names;
  for (const auto& user : listed) names.push_back(user.name);
  // Byte order: upper case before lower case, UTF-8 after ASCII.
  EXPECT_EQ(names,
            (std::vector<std::string>{"Bob", "alice", "bob", "carol", "zed", "\xc3\xa9mile"}));
  expect_equal(listed[1], make_user("alice"));
}

TEST_P(StorageConformanceTest, UserSetDisabled) {
  EXPECT_TRUE(must(users().insert(make_user("alice"))));
  EXPECT_TRUE(must(users().insert(make_user("bob"))));
  must(users().set_disabled("alice", true));
  EXPECT_TRUE(must(users().find("alice"))->disabled);
  EXPECT_FALSE(must(users().find("bob"))->disabled);
  must(users().set_disabled("alice", true));  // already disabled: still a user, no kNotFound
  EXPECT_TRUE(must(users().find("alice"))->disabled);
  must(users().set_disabled("alice", false));
  EXPECT_FALSE(must(users().find("alice"))->disabled);
}

// storage_error.h: an update of a named row that is not there is kNotFound, in every backend.
TEST_P(StorageConformanceTest, UserSetDisabledUnknownIsNotFound) {
  const auto set = users().set_disabled("nobody", true);
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(storage_error_code(set.error()), StorageErrorCode::kNotFound)
      << set.error().error_description;
  EXPECT_FALSE(must(users().find("nobody")).has_value());
  EXPECT_EQ(must(users().count()), 0);
}

TEST_P(StorageConformanceTest, UserCount) {
  EXPECT_EQ(must(users().count()), 0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(must(users().insert(make_user(std::to_string(i)))));
  EXPECT_FALSE(must(users().insert(make_user("3"))));
  EXPECT_EQ(must(users().count()), 5);
}

// ---- persistence --------------------------------------------------------------------------------

// Durability tests, instantiated only for persistent backends (see the bottom of the file), so
// that no test is skipped at run time.
class PersistentStorageTest : public StorageConformanceTest {};

TEST_P(PersistentStorageTest, DataSurvivesReopen) {
  const auto client = make_client("client-1");
  must(clients().insert(client));
  insert_approved("hash-1", "ABCDEFGH");
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-2", "BCDEFGHJ"))));
  const auto access = make_token("access-1", TokenKind::kAccess);
  const auto refresh = make_token("refresh-1", TokenKind::kRefresh);
  ASSERT_TRUE(must(devices().redeem("hash-1", "client-1", kNow + 20, {access, refresh})));
  auto user = make_user("alice");
  ASSERT_TRUE(must(users().insert(user)));
  must(users().set_disabled("alice", true));
  user.disabled = true;

  reopen();

  expect_equal(*must(clients().find("client-1")), client);
  EXPECT_EQ(authorization("hash-1")->state, DeviceState::kRedeemed);
  EXPECT_EQ(authorization("hash-2")->state, DeviceState::kPending);
  expect_equal(*token("access-1"), access);
  expect_equal(*token("refresh-1"), refresh);
  expect_equal(*must(users().find("alice")), user);
  // And it keeps working, with the constraints intact.
  EXPECT_FALSE(must(devices().insert(make_authorization("hash-3", "BCDEFGHJ"))));
  EXPECT_TRUE(must(devices().decide("BCDEFGHJ", true, "alice", kNow + 30)));
  EXPECT_TRUE(must(tokens().rotate("refresh-1", {make_token("refresh-2", TokenKind::kRefresh)})));
}

TEST_P(PersistentStorageTest, ReopeningManyTimesKeepsDataAndSchema) {
  ASSERT_TRUE(must(users().insert(make_user("alice"))));
  for (int i = 0; i < 3; ++i) reopen();
  EXPECT_EQ(must(users().count()), 1);
  // Two Storage objects over the same data at once see each other's writes.
  auto second = must(backend_->open());
  ASSERT_TRUE(must(second->users().insert(make_user("bob"))));
  EXPECT_TRUE(must(users().find("bob")).has_value());
  EXPECT_EQ(must(second->users().count()), 2);
}

// ---- concurrency --------------------------------------------------------------------------------

TEST_P(StorageConformanceTest, ConcurrentInsertsAndFindsFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  must(clients().insert(make_client("client-1")));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto fail = [&](const std::string& what) {
        if (failures++ < 5) ADD_FAILURE() << "thread " << t << ": " << what;
      };
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = std::to_string(t) + "-" + std::to_string(i);
        const auto inserted = devices().insert(make_authorization("hash-" + key, "CODE" + key));
        if (!inserted || !*inserted) fail("insert " + key + ": " + describe(inserted));
        const auto by_hash = devices().find_by_device_code_hash("hash-" + key);
        if (!by_hash || !*by_hash || (*by_hash)->user_code != "CODE" + key) {
          fail("find by hash " + key + ": " + describe(by_hash));
        }
        const auto by_code = devices().find_by_user_code("CODE" + key);
        if (!by_code || !*by_code || (*by_code)->device_code_hash != "hash-" + key) {
          fail("find by user code " + key + ": " + describe(by_code));
        }
        const auto client = clients().find("client-1");
        if (!client || !*client) fail("find client: " + describe(client));
        if (i % 20 == 0) {
          const auto user = users().insert(make_user("user-" + key));
          if (!user || !*user) fail("insert user " + key + ": " + describe(user));
          const auto listed = users().list();
          if (!listed) fail("list users: " + describe(listed));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(must(users().count()), kThreads * (kPerThread / 20));
  EXPECT_EQ(must(devices().purge_expired(kNow + 601)), kThreads * kPerThread);
}

TEST_P(StorageConformanceTest, ConcurrentRedeemsOfOneAuthorizationHaveOneWinner) {
  insert_approved("hash-1", "ABCDEFGH");
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto redeemed = devices().redeem(
          "hash-1", "client-1", kNow + 20,
          {make_token("access-" + std::to_string(t), TokenKind::kAccess, std::to_string(t))});
      if (!redeemed) ++errors;
      if (redeemed && *redeemed) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
  int tokens_found = 0;
  for (int t = 0; t < kThreads; ++t) tokens_found += token("access-" + std::to_string(t)) ? 1 : 0;
  EXPECT_EQ(tokens_found, 1);
}

TEST_P(StorageConformanceTest, ConcurrentRotationsOfOneTokenHaveOneWinner) {
  must(tokens().insert({make_token("refresh-0", TokenKind::kRefresh)}));
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto rotated = tokens().rotate(
          "refresh-0", {make_token("next-" + std::to_string(t), TokenKind::kRefresh)});
      if (!rotated) ++errors;
      if (rotated && *rotated) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
  int tokens_found = 0;
  for (int t = 0; t < kThreads; ++t) tokens_found += token("next-" + std::to_string(t)) ? 1 : 0;
  EXPECT_EQ(tokens_found, 1);
}

// ---- failure sweep ------------------------------------------------------------------------------

// The whole life of a login, one storage call per step. Stops at the first error or refusal.
constexpr int kFlowSteps = 5;
int run_login_flow(Storage& storage) {
  int done = 0;
  auto step = [&](auto result) {
    if (!result) return false;
    if constexpr (std::is_same_v<decltype(result), Result<bool>>) {
      if (!*result) return false;
    }
    ++done;
    return true;
  };
  (void)(step(storage.clients().insert(make_client("client-1"))) &&
         step(storage.device_authorizations().insert(make_authorization("hash-1", "ABCDEFGH"))) &&
         step(storage.device_authorizations().decide("ABCDEFGH", true, "alice", kNow + 10)) &&
         step(storage.device_authorizations().redeem(
             "hash-1", "client-1", kNow + 20,
             {make_token("access-1", TokenKind::kAccess),
              make_token("refresh-1", TokenKind::kRefresh)})) &&
         step(
             storage.tokens().rotate("refresh-1", {make_token("access-2", TokenKind::kAccess),
                                                   make_token("refresh-2", TokenKind::kRefresh)})));
  return done;
}

// How many steps of the flow have taken effect, checking that they form a prefix and that each
// compound step is all there or not there at all.
int visible_progress(Storage& storage) {
  auto exists = [&](const char* hash) { return must(storage.tokens().find(hash)).has_value(); };
  const auto authorization =
      must(storage.device_authorizations().find_by_device_code_hash("hash-1"));
  const bool steps[kFlowSteps] = {
      must(storage.clients().find("client-1")).has_value(),
      authorization.has_value(),
      authorization && authorization->state != DeviceState::kPending,
      authorization && authorization->state == DeviceState::kRedeemed,
      exists("refresh-1") && must(storage.tokens().find("refresh-1"))->used,
  };
  EXPECT_EQ(exists("access-1"), steps[3]) << "redeem is partly visible";
  EXPECT_EQ(exists("refresh-1"), steps[3]) << "redeem is partly visible";
  EXPECT_EQ(exists("access-2"), steps[4]) << "rotate is partly visible";
  EXPECT_EQ(exists("refresh-2"), steps[4]) << "rotate is partly visible";
  int progress = 0;
  while (progress < kFlowSteps && steps[progress]) ++progress;
  for (int i = progress; i < kFlowSteps; ++i) EXPECT_FALSE(steps[i]) << "step " << i << " skipped";
  return progress;
}

TEST_P(StorageConformanceTest, FaultSweepOverTheLoginFlowLeavesNoPartialState) {
  {
    FaultyStorage counting(*storage_);
    ASSERT_EQ(run_login_flow(counting), kFlowSteps);
    ASSERT_EQ(counting.calls(), kFlowSteps);
  }
  for (const auto mode : {FaultMode::kBeforeCall, FaultMode::kAfterCall}) {
    for (int n = 1; n <= kFlowSteps; ++n) {
      SCOPED_TRACE(::testing::Message() << "call " << n << ", mode "
                                        << (mode == FaultMode::kBeforeCall ? "before" : "after"));
      auto backend = GetParam().make();
      auto inner = must(backend->open());
      FaultyStorage faulty(*inner);
      faulty.fail_call(n, mode);
      EXPECT_EQ(run_login_flow(faulty), n - 1);
      EXPECT_EQ(faulty.failures(), 1);
      // A failure before the call hides nothing; a lost reply hides a write that did happen.
      EXPECT_EQ(visible_progress(*inner), mode == FaultMode::kBeforeCall ? n - 1 : n);
    }
  }
}

TEST_P(StorageConformanceTest, FaultyStorageFailsFromACallOnAndRecovers) {
  FaultyStorage faulty(*storage_);
  faulty.fail_from_call(2);
  EXPECT_TRUE(must(faulty.users().insert(make_user("alice"))));
  const auto failed = faulty.users().insert(make_user("bob"));
  expect_internal_error(failed);
  EXPECT_NE(failed.error().error_description.find("insert user"), std::string::npos);
  expect_internal_error(faulty.users().count());
  expect_internal_error(faulty.tokens().find("x"));
  EXPECT_EQ(faulty.calls(), 4);
  EXPECT_EQ(faulty.failures(), 3);
  faulty.disarm();
  EXPECT_EQ(must(faulty.users().count()), 1);
  EXPECT_EQ(faulty.failures(), 0);
}

// ---- authorization codes ------------------------------------------------------------------------

AuthorizationCodeRecord make_code(std::string code_hash, std::string client_id = "client-1") {
  AuthorizationCodeRecord code;
  code.code_hash = std::move(code_hash);
  code.client_id = std::move(client_id);
  code.redirect_uri = "http://127.0.0.1:53535/oauth/callback";
  code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  code.scopes = {"sso:account:access", "openid"};
  code.user_name = "alice";
  code.auth_time = kNow - 30;
  code.created_at = kNow;
  code.expires_at = kNow + 300;
  code.family_id = "family-code-1";
  return code;
}

void expect_equal(const AuthorizationCodeRecord& actual, const AuthorizationCodeRecord& expected) {
  EXPECT_EQ(actual.code_hash, expected.code_hash);
  EXPECT_EQ(actual.client_id, expected.client_id);
  EXPECT_EQ(actual.redirect_uri, expected.redirect_uri);
  EXPECT_EQ(actual.code_challenge, expected.code_challenge);
  EXPECT_EQ(actual.scopes, expected.scopes);
  EXPECT_EQ(actual.user_name, expected.user_name);
  EXPECT_EQ(actual.auth_time, expected.auth_time);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.expires_at, expected.expires_at);
  EXPECT_EQ(actual.used, expected.used);
  EXPECT_EQ(actual.family_id, expected.family_id);
  EXPECT_EQ(actual.nonce, expected.nonce);
}

TEST_P(StorageConformanceTest, AuthorizationCodeRoundTripsAndDuplicateIsAnError) {
  const auto code = make_code("code-1");
  must(storage_->authorization_codes().insert(code));
  const auto found = must(storage_->authorization_codes().find("code-1"));
  ASSERT_TRUE(found.has_value());
  expect_equal(*found, code);
  EXPECT_FALSE(must(storage_->authorization_codes().find("code-2")).has_value());
  expect_internal_error(storage_->authorization_codes().insert(code));
}

// Issue 14: the OpenID Connect nonce of a code round-trips; none is the empty string.
TEST_P(StorageConformanceTest, AuthorizationCodeNonceRoundTrips) {
  auto code = make_code("code-nonce");
  code.nonce = "n-0S6_WzA2Mj \"quoted\" \xc3\xa9";
  must(storage_->authorization_codes().insert(code));
  expect_equal(*must(storage_->authorization_codes().find("code-nonce")), code);
  auto plain = make_code("code-plain");
  must(storage_->authorization_codes().insert(plain));
  EXPECT_EQ(must(storage_->authorization_codes().find("code-plain"))->nonce, "");
}

TEST_P(StorageConformanceTest, AuthorizationCodeRedeemsOnceAndInsertsTokens) {
  must(storage_->authorization_codes().insert(make_code("code-1")));
  const std::vector<TokenRecord> issued = {make_token("access-1", TokenKind::kAccess),
                                           make_token("refresh-1", TokenKind::kRefresh)};
  EXPECT_TRUE(must(storage_->authorization_codes().redeem("code-1", "client-1", kNow + 1, issued)));
  EXPECT_TRUE(must(storage_->authorization_codes().find("code-1"))->used);
  EXPECT_TRUE(token("access-1").has_value());
  EXPECT_TRUE(token("refresh-1").has_value());
  // A replay changes nothing.
  EXPECT_FALSE(must(storage_->authorization_codes().redeem(
      "code-1", "client-1", kNow + 2, {make_token("access-2", TokenKind::kAccess)})));
  EXPECT_FALSE(token("access-2").has_value());
}

TEST_P(StorageConformanceTest, AuthorizationCodeRedeemRefusesOtherClientExpiredAndUnknown) {
  must(storage_->authorization_codes().insert(make_code("code-1")));
  const std::vector<TokenRecord> issued = {make_token("access-1", TokenKind::kAccess)};
  auto& codes = storage_->authorization_codes();
  EXPECT_FALSE(must(codes.redeem("code-1", "client-2", kNow + 1, issued)));
  EXPECT_FALSE(must(codes.redeem("code-1", "client-1", kNow + 300, issued)));  // expires_at <= now
  EXPECT_FALSE(must(codes.redeem("unknown", "client-1", kNow + 1, issued)));
  EXPECT_FALSE(token("access-1").has_value());
  EXPECT_FALSE(must(codes.find("code-1"))->used);
  EXPECT_TRUE(must(codes.redeem("code-1", "client-1", kNow + 299, issued)));
}

TEST_P(StorageConformanceTest, AuthorizationCodeRedeemWithDuplicateTokenChangesNothing) {
  must(tokens().insert({make_token("access-1", TokenKind::kAccess)}));
  must(storage_->authorization_codes().insert(make_code("code-1")));
  expect_internal_error(storage_->authorization_codes().redeem(
      "code-1", "client-1", kNow + 1,
      {make_token("refresh-9", TokenKind::kRefresh), make_token("access-1", TokenKind::kAccess)}));
  EXPECT_FALSE(must(storage_->authorization_codes().find("code-1"))->used);
  EXPECT_FALSE(token("refresh-9").has_value());
}

TEST_P(StorageConformanceTest, AuthorizationCodePurgeDeletesOnlyExpired) {
  auto old_code = make_code("code-old");
  old_code.expires_at = kNow - 1;
  must(storage_->authorization_codes().insert(old_code));
  must(storage_->authorization_codes().insert(make_code("code-live")));
  EXPECT_EQ(must(storage_->authorization_codes().purge_expired(kNow)), 1);
  EXPECT_FALSE(must(storage_->authorization_codes().find("code-old")).has_value());
  EXPECT_TRUE(must(storage_->authorization_codes().find("code-live")).has_value());
}

// Issue 11 item 6: expired registrations go, with what hangs off them; live ones keep theirs.
TEST_P(StorageConformanceTest, ClientPurgeExpiredTakesItsAuthorizationsTokensAndCodes) {
  auto expired = make_client("client-old");
  expired.expires_at = kNow - 1;
  must(clients().insert(expired));
  must(clients().insert(make_client("client-1")));
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-old", "OLDOLDOL", "client-old"))));
  ASSERT_TRUE(must(devices().insert(make_authorization("hash-1", "LIVELIVE", "client-1"))));
  must(tokens().insert({make_token("token-old", TokenKind::kRefresh, "family-old", "client-old"),
                        make_token("token-1", TokenKind::kRefresh, "family-1", "client-1")}));
  auto old_code = make_code("code-old", "client-old");
  must(storage_->authorization_codes().insert(old_code));
  must(storage_->authorization_codes().insert(make_code("code-1")));

  EXPECT_EQ(must(clients().purge_expired(kNow - 1)), 0);  // expires_at == before is kept
  EXPECT_EQ(must(clients().purge_expired(kNow)), 1);
  EXPECT_FALSE(must(clients().find("client-old")).has_value());
  EXPECT_FALSE(authorization("hash-old").has_value());
  EXPECT_FALSE(must(devices().find_by_user_code("OLDOLDOL")).has_value());
  EXPECT_FALSE(token("token-old").has_value());
  EXPECT_FALSE(must(storage_->authorization_codes().find("code-old")).has_value());
  EXPECT_TRUE(must(clients().find("client-1")).has_value());
  EXPECT_TRUE(authorization("hash-1").has_value());
  EXPECT_TRUE(token("token-1").has_value());
  EXPECT_TRUE(must(storage_->authorization_codes().find("code-1")).has_value());
  EXPECT_EQ(must(clients().purge_expired(kNow)), 0);
}

TEST_P(StorageConformanceTest, SetPrivatePemReplacesOnlyThatKey) {
  SigningKeyRecord a{"kid-a", "clear-a", kNow, kNow + 10, kNow + 20};
  SigningKeyRecord b{"kid-b", "clear-b", kNow + 1, kNow + 10, kNow + 20};
  must(storage_->signing_keys().insert(a));
  must(storage_->signing_keys().insert(b));
  must(storage_->signing_keys().set_private_pem("kid-a", "sealed:x"));
  // An unknown kid is kNotFound (storage_error.h), and no other key changes.
  const auto unknown = storage_->signing_keys().set_private_pem("kid-none", "sealed:y");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(storage_error_code(unknown.error()), StorageErrorCode::kNotFound)
      << unknown.error().error_description;
  auto keys = must(storage_->signing_keys().list());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].private_pem, "sealed:x");
  EXPECT_EQ(keys[0].retire_after, kNow + 10);
  EXPECT_EQ(keys[1].private_pem, "clear-b");
}

TEST_P(PersistentStorageTest, AuthorizationCodePersists) {
  must(storage_->authorization_codes().insert(make_code("code-1")));
  reopen();
  expect_equal(*must(storage_->authorization_codes().find("code-1")), make_code("code-1"));
}

// ---- signing keys -------------------------------------------------------------------------------

TEST_P(StorageConformanceTest, SigningKeysListOldestFirstAndDuplicateKidIsAnError) {
  SigningKeyRecord newer{"kid-b", "PEM-B", kNow + 10, kNow + 100, kNow + 200};
  SigningKeyRecord older{"kid-a", "PEM-A\nline", kNow, kNow + 50, kNow + 150};
  EXPECT_TRUE(must(storage_->signing_keys().list()).empty());
  must(storage_->signing_keys().insert(newer));
  must(storage_->signing_keys().insert(older));
  expect_internal_error(storage_->signing_keys().insert(older));
  const auto keys = must(storage_->signing_keys().list());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "kid-a");
  EXPECT_EQ(keys[0].private_pem, "PEM-A\nline");
  EXPECT_EQ(keys[0].created_at, kNow);
  EXPECT_EQ(keys[0].retire_after, kNow + 50);
  EXPECT_EQ(keys[0].publish_until, kNow + 150);
  EXPECT_EQ(keys[1].kid, "kid-b");
  if (backend_->persistent()) {
    reopen();
    EXPECT_EQ(must(storage_->signing_keys().list()).size(), 2u);
  }
}

TEST_P(StorageConformanceTest, PurgeRetiredDeletesOnlyKeysPastBothBounds) {
  auto& keys = storage_->signing_keys();
  //                     kid         pem    created_at  retire_after  publish_until
  must(keys.insert({"retired-long-ago", "PEM-1", kNow, kNow + 100, kNow + 200}));
  must(keys.insert({"still-published", "PEM-2", kNow + 1, kNow + 100, kNow + 400}));
  must(keys.insert({"current", "PEM-3", kNow + 100, kNow + 1000, kNow + 1100}));
  // Both bounds are strict: retire_after == retired_before, or publish_until ==
  // unpublished_before, keeps the key.
  EXPECT_EQ(must(keys.purge_retired(kNow + 100, kNow + 10'000)), 0);
  EXPECT_EQ(must(keys.purge_retired(kNow + 10'000, kNow + 200)), 0);
  EXPECT_EQ(must(keys.list()).size(), 3u);
  // Retired before the first bound but published until after the second: kept.
  EXPECT_EQ(must(keys.purge_retired(kNow + 101, kNow + 201)), 1);
  auto left = must(keys.list());
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].kid, "still-published");
  EXPECT_EQ(left[1].kid, "current");
  EXPECT_EQ(must(keys.purge_retired(kNow + 101, kNow + 201)), 0);  // idempotent
  // A purge at a time when "current" still signs never touches it.
  EXPECT_EQ(must(keys.purge_retired(kNow + 999, kNow + 999)), 1);
  left = must(keys.list());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].kid, "current");
  EXPECT_EQ(left[0].private_pem, "PEM-3");
  if (backend_->persistent()) {
    reopen();
    left = must(storage_->signing_keys().list());
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].kid, "current");
  }
  EXPECT_EQ(must(storage_->signing_keys().purge_retired(kNow + 1001, kNow + 1101)), 1);
  EXPECT_TRUE(must(storage_->signing_keys().list()).empty());
}

TEST_P(StorageConformanceTest, FailedPurgeOfSigningKeysDeletesNothing) {
  must(storage_->signing_keys().insert({"old", "PEM", kNow, kNow + 1, kNow + 2}));
  FaultyStorage faulty(*storage_);
  faulty.fail_call(1);
  expect_internal_error(faulty.signing_keys().purge_retired(kNow + 10, kNow + 10));
  EXPECT_EQ(must(storage_->signing_keys().list()).size(), 1u);
  EXPECT_EQ(must(faulty.signing_keys().purge_retired(kNow + 10, kNow + 10)), 1);
}

TEST_P(StorageConformanceTest, FaultyStorageWrapsCodesAndKeys) {
  FaultyStorage faulty(*storage_);
  faulty.fail_call(1);
  expect_internal_error(faulty.authorization_codes().insert(make_code("code-1")));
  EXPECT_FALSE(must(storage_->authorization_codes().find("code-1")).has_value());
  faulty.fail_call(1, FaultMode::kAfterCall);
  expect_internal_error(faulty.signing_keys().insert({"kid", "PEM", kNow, kNow + 1, kNow + 2}));
  EXPECT_EQ(must(faulty.signing_keys().list()).size(), 1u);
  must(faulty.authorization_codes().insert(make_code("code-2")));
  EXPECT_TRUE(must(faulty.authorization_codes().redeem("code-2", "client-1", kNow, {})));
}


// ---- SSO portal: accounts, roles, groups, assignments, credential records ----------------------

RoleRecord make_role(std::string account, std::string name) {
  RoleRecord role;
  role.account_id = std::move(account);
  role.role_name = std::move(name);
  role.session_duration_seconds = 7200;
  role.created_at = kNow;
  return role;
}

// Accounts 111…, 222…, 333… with roles; alice holds Admin on 111 directly and Dev on 222 via
// group devs; bob holds nothing.
void seed_directory(Storage& s) {
  for (const char* id : {"111111111111", "222222222222", "333333333333"})
    ASSERT_TRUE(must(s.accounts().put({id, std::string("acct-") + id, "", kNow})));
  ASSERT_TRUE(must(s.accounts().put_role(make_role("111111111111", "Admin"))));
  ASSERT_TRUE(must(s.accounts().put_role(make_role("111111111111", "ReadOnly"))));
  ASSERT_TRUE(must(s.accounts().put_role(make_role("222222222222", "Dev"))));
  ASSERT_TRUE(must(s.accounts().put_role(make_role("333333333333", "Admin"))));
  ASSERT_TRUE(must(s.groups().put({"devs", "developers", kNow})));
  ASSERT_TRUE(must(s.groups().add_member("devs", "alice")));
  ASSERT_TRUE(must(s.assignments().add({PrincipalType::kUser, "alice", "111111111111", "Admin", kNow})));
  ASSERT_TRUE(must(s.assignments().add({PrincipalType::kGroup, "devs", "222222222222", "Dev", kNow})));
}

std::vector<std::string> ids_of(const std::vector<AccountRecord>& accounts) {
  std::vector<std::string> ids;
  for (const auto& a : accounts) ids.push_back(a.account_id);
  return ids;
}

TEST_P(StorageConformanceTest, AccountPutInsertsUpdatesAndReportsNoChange) {
  EXPECT_TRUE(must(storage_->accounts().put({"111111111111", "Prod", "a@example.com", kNow})));
  EXPECT_FALSE(must(storage_->accounts().put({"111111111111", "Prod", "a@example.com", kNow + 5})));
  EXPECT_TRUE(must(storage_->accounts().put({"111111111111", "Production", "a@example.com", kNow + 9})));
  auto found = must(storage_->accounts().find("111111111111"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "Production");
  EXPECT_EQ(found->created_at, kNow);  // kept from the insert
  EXPECT_FALSE(must(storage_->accounts().find("999999999999")).has_value());
  must(storage_->accounts().put({"000000000001", "First", "", kNow}));
  EXPECT_EQ(ids_of(must(storage_->accounts().list())),
            (std::vector<std::string>{"000000000001", "111111111111"}));
}

TEST_P(StorageConformanceTest, RoleRoundTripsEveryFieldAndPutReportsChanges) {
  must(storage_->accounts().put({"111111111111", "Prod", "", kNow}));
  RoleRecord role = make_role("111111111111", "Cmd");
  role.source = CredentialSource::kCommand;
  role.command = {"/usr/bin/helper", "--role", "{role_name}", "a b,c\n\"q\""};
  role.static_access_key_id = "AKIA";
  role.static_secret_access_key = "secret";
  role.static_session_token = "token";
  EXPECT_TRUE(must(storage_->accounts().put_role(role)));
  EXPECT_FALSE(must(storage_->accounts().put_role(role)));
  auto found = must(storage_->accounts().find_role("111111111111", "Cmd"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->session_duration_seconds, 7200);
  EXPECT_EQ(found->source, CredentialSource::kCommand);
  EXPECT_EQ(found->command, role.command);
  EXPECT_EQ(found->static_access_key_id, "AKIA");
  EXPECT_EQ(found->static_secret_access_key, "secret");
  EXPECT_EQ(found->static_session_token, "token");
  EXPECT_EQ(found->created_at, kNow);
  role.session_duration_seconds = 3600;
  role.created_at = kNow + 100;
  EXPECT_TRUE(must(storage_->accounts().put_role(role)));
  found = must(storage_->accounts().find_role("111111111111", "Cmd"));
  EXPECT_EQ(found->session_duration_seconds, 3600);
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_FALSE(must(storage_->accounts().find_role("111111111111", "cmd")).has_value());
}

TEST_P(StorageConformanceTest, AccountsAndRolesOfAUserComeFromDirectAndGroupAssignments) {
  seed_directory(*storage_);
  auto& a = storage_->assignments();
  EXPECT_EQ(ids_of(must(a.accounts_for_user("alice", "", 10))),
            (std::vector<std::string>{"111111111111", "222222222222"}));
  EXPECT_EQ(ids_of(must(a.accounts_for_user("alice", "", 1))),
            (std::vector<std::string>{"111111111111"}));
  EXPECT_EQ(ids_of(must(a.accounts_for_user("alice", "111111111111", 10))),
            (std::vector<std::string>{"222222222222"}));
  EXPECT_TRUE(must(a.accounts_for_user("bob", "", 10)).empty());
  auto roles = must(a.roles_for_user("alice", "111111111111", "", 10));
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].role_name, "Admin");
  EXPECT_TRUE(must(a.roles_for_user("alice", "333333333333", "", 10)).empty());
  EXPECT_TRUE(must(a.assigned_role("alice", "222222222222", "Dev")).has_value());
  EXPECT_FALSE(must(a.assigned_role("alice", "111111111111", "ReadOnly")).has_value());
  EXPECT_FALSE(must(a.assigned_role("bob", "111111111111", "Admin")).has_value());
  EXPECT_FALSE(must(a.assigned_role("alice", "111111111111", "admin")).has_value());
  // Leaving the group takes its assignments away.
  EXPECT_TRUE(must(storage_->groups().remove_member("devs", "alice")));
  EXPECT_FALSE(must(storage_->groups().remove_member("devs", "alice")));
  EXPECT_FALSE(must(a.assigned_role("alice", "222222222222", "Dev")).has_value());
}

TEST_P(StorageConformanceTest, AssignmentsAddOnceListInOrderAndRemove) {
  seed_directory(*storage_);
  auto& a = storage_->assignments();
  EXPECT_FALSE(must(a.add({PrincipalType::kUser, "alice", "111111111111", "Admin", kNow})));
  must(a.add({PrincipalType::kGroup, "devs", "111111111111", "Admin", kNow}));
  auto all = must(a.list());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].principal_type, PrincipalType::kUser);  // user before group
  EXPECT_EQ(all[1].principal_name, "devs");
  EXPECT_EQ(all[2].account_id, "222222222222");
  EXPECT_TRUE(must(a.remove(PrincipalType::kUser, "alice", "111111111111", "Admin")));
  EXPECT_FALSE(must(a.remove(PrincipalType::kUser, "alice", "111111111111", "Admin")));
  EXPECT_EQ(must(a.list()).size(), 2u);
}

TEST_P(StorageConformanceTest, RemovalsCascade) {
  seed_directory(*storage_);
  EXPECT_TRUE(must(storage_->accounts().remove_role("111111111111", "Admin")));
  EXPECT_FALSE(must(storage_->accounts().remove_role("111111111111", "Admin")));
  EXPECT_EQ(must(storage_->assignments().list()).size(), 1u);  // alice's Admin went with it
  EXPECT_TRUE(must(storage_->groups().remove("devs")));
  EXPECT_FALSE(must(storage_->groups().remove("devs")));
  EXPECT_TRUE(must(storage_->assignments().list()).empty());
  EXPECT_TRUE(must(storage_->groups().members("devs")).empty());
  must(storage_->assignments().add({PrincipalType::kUser, "alice", "333333333333", "Admin", kNow}));
  EXPECT_TRUE(must(storage_->accounts().remove("333333333333")));
  EXPECT_FALSE(must(storage_->accounts().remove("333333333333")));
  EXPECT_TRUE(must(storage_->assignments().list()).empty());
  EXPECT_TRUE(must(storage_->accounts().list_roles("333333333333")).empty());
  EXPECT_EQ(must(storage_->accounts().list_roles("")).size(), 2u);  // 111 ReadOnly, 222 Dev
}

TEST_P(StorageConformanceTest, GroupsAndMembers) {
  EXPECT_TRUE(must(storage_->groups().put({"ops", "", kNow})));
  EXPECT_FALSE(must(storage_->groups().put({"ops", "", kNow})));
  EXPECT_TRUE(must(storage_->groups().put({"ops", "operators", kNow + 1})));
  EXPECT_EQ(must(storage_->groups().find("ops"))->description, "operators");
  EXPECT_TRUE(must(storage_->groups().add_member("ops", "zed")));
  EXPECT_TRUE(must(storage_->groups().add_member("ops", "amy")));
  EXPECT_FALSE(must(storage_->groups().add_member("ops", "amy")));
  EXPECT_EQ(must(storage_->groups().members("ops")), (std::vector<std::string>{"amy", "zed"}));
  must(storage_->groups().put({"admins", "", kNow}));
  auto groups = must(storage_->groups().list());
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "admins");
}

TEST_P(StorageConformanceTest, CredentialRecordsListNewestFirstFilterAndPurge) {
  auto& r = storage_->credential_records();
  for (int i = 0; i < 5; ++i) {
    must(r.insert({kNow + i, i % 2 ? "bob" : "alice", "111111111111", "Admin",
                   "ASIA" + std::to_string(i), kNow + 3600, CredentialSource::kMinted}));
  }
  must(r.insert({kNow + 4, "alice", "111111111111", "Admin", "ASIA-same-second", kNow, CredentialSource::kStatic}));
  auto all = must(r.list("", 100));
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0].access_key_id, "ASIA-same-second");  // later insert first on a tie
  EXPECT_EQ(all[0].source, CredentialSource::kStatic);
  EXPECT_EQ(all[1].access_key_id, "ASIA4");
  EXPECT_EQ(all.back().access_key_id, "ASIA0");
  EXPECT_EQ(must(r.list("bob", 100)).size(), 2u);
  EXPECT_EQ(must(r.list("", 2)).size(), 2u);
  EXPECT_EQ(must(r.purge_issued_before(kNow + 2)), 2);
  EXPECT_EQ(must(r.list("", 100)).size(), 4u);
}

TEST_P(StorageConformanceTest, FamilyExpiresAtIsTheLatestUnrevokedToken) {
  TokenRecord access = make_token("h-access", TokenKind::kAccess);
  access.expires_at = kNow + 3600;
  TokenRecord refresh = make_token("h-refresh", TokenKind::kRefresh);
  refresh.expires_at = kNow + 8 * 3600;
  must(tokens().insert({access, refresh}));
  EXPECT_EQ(must(tokens().family_expires_at("family-1")), kNow + 8 * 3600);
  EXPECT_FALSE(must(tokens().family_expires_at("family-2")).has_value());
  must(tokens().revoke_family("family-1"));
  EXPECT_FALSE(must(tokens().family_expires_at("family-1")).has_value());
}

TEST_P(StorageConformanceTest, FaultyStorageWrapsThePortalStores) {
  FaultyStorage faulty(*storage_);
  faulty.fail_call(1);
  expect_internal_error(faulty.accounts().put({"111111111111", "P", "", kNow}));
  EXPECT_FALSE(must(storage_->accounts().find("111111111111")).has_value());
  faulty.fail_call(1);
  expect_internal_error(faulty.credential_records().insert({kNow, "a", "1", "r", "k", kNow, CredentialSource::kMinted}));
  EXPECT_TRUE(must(storage_->credential_records().list("", 10)).empty());
  EXPECT_TRUE(must(faulty.groups().put({"g", "", kNow})));
  EXPECT_TRUE(must(faulty.assignments().list()).empty());
}

TEST_P(PersistentStorageTest, PortalDirectoryPersists) {
  seed_directory(*storage_);
  reopen();
  EXPECT_EQ(ids_of(must(storage_->assignments().accounts_for_user("alice", "", 10))).size(), 2u);
  EXPECT_EQ(must(storage_->groups().members("devs")), (std::vector<std::string>{"alice"}));
}

// ---- shared state: web sessions -----------------------------------------------------------------

WebSessionRecord make_session(std::string id_hash, std::string user_name = {},
                              std::int64_t at = kNow) {
  WebSessionRecord session;
  session.id_hash = std::move(id_hash);
  session.browser_key = "browser-" + session.id_hash;
  session.user_name = std::move(user_name);
  session.checked_user_codes = {"BCDFGHJK", "a \"quoted\", code"};
  session.created_at = at;
  session.last_seen = at;
  return session;
}

constexpr WebSessionLimits kSessionLimits{600, 3600, 10, 60};

TEST_P(StorageConformanceTest, WebSessionInsertFindUpdateAndRemove) {
  auto& sessions = storage_->web_sessions();
  ASSERT_TRUE(must(sessions.insert(make_session("h1", "alice"), kSessionLimits, kNow)));
  auto found = must(sessions.find("h1", kSessionLimits, kNow + 1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->browser_key, "browser-h1");
  EXPECT_EQ(found->user_name, "alice");
  EXPECT_EQ(found->checked_user_codes, (std::vector<std::string>{"BCDFGHJK", "a \"quoted\", code"}));
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_EQ(found->last_seen, kNow);  // touched only when at least touch_seconds old
  EXPECT_FALSE(must(sessions.find("unknown", kSessionLimits, kNow)));
  EXPECT_EQ(sessions.insert(make_session("h1"), kSessionLimits, kNow).error().reason,
            "storage.already_exists");

  WebSessionRecord changed = *found;
  changed.user_name = "";
  changed.checked_user_codes = {"XXXXXXXX"};
  ASSERT_TRUE(must(sessions.update(changed, kSessionLimits, kNow + 5)));
  found = must(sessions.find("h1", kSessionLimits, kNow + 6));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_name, "");
  EXPECT_EQ(found->checked_user_codes, (std::vector<std::string>{"XXXXXXXX"}));
  EXPECT_EQ(found->last_seen, kNow + 5);
  EXPECT_FALSE(must(sessions.update(make_session("unknown"), kSessionLimits, kNow)));

  EXPECT_TRUE(must(sessions.remove("h1")));
  EXPECT_FALSE(must(sessions.remove("h1")));
  EXPECT_FALSE(must(sessions.find("h1", kSessionLimits, kNow + 7)));
  EXPECT_EQ(must(sessions.count()), 0);
}

TEST_P(StorageConformanceTest, WebSessionEndsWhenIdleOrTooOldAndFindTouchesCoarsely) {
  auto& sessions = storage_->web_sessions();
  ASSERT_TRUE(must(sessions.insert(make_session("h1"), kSessionLimits, kNow)));
  auto found = must(sessions.find("h1", kSessionLimits, kNow + 599));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_seen, kNow + 599);  // 599 >= touch_seconds: moved
  ASSERT_TRUE(must(sessions.find("h1", kSessionLimits, kNow + 1198)));
  // Absolute lifetime: created at kNow, gone at kNow + 3600 however busy.
  for (std::int64_t t = kNow + 1700; t < kNow + 3600; t += 500)
    ASSERT_TRUE(must(sessions.find("h1", kSessionLimits, t))) << t;
  EXPECT_FALSE(must(sessions.find("h1", kSessionLimits, kNow + 3600)));
  EXPECT_EQ(must(sessions.count()), 0);  // an ended session found is deleted

  ASSERT_TRUE(must(sessions.insert(make_session("h2"), kSessionLimits, kNow)));
  EXPECT_FALSE(must(sessions.update(make_session("h2"), kSessionLimits, kNow + 600)));
  EXPECT_FALSE(must(sessions.find("h2", kSessionLimits, kNow + 600)));
}

TEST_P(StorageConformanceTest, WebSessionRenewMovesTheSessionToANewIdOnce) {
  auto& sessions = storage_->web_sessions();
  ASSERT_TRUE(must(sessions.insert(make_session("old", "alice"), kSessionLimits, kNow)));
  ASSERT_TRUE(must(sessions.insert(make_session("taken"), kSessionLimits, kNow)));
  EXPECT_EQ(sessions.renew("old", "taken", kSessionLimits, kNow + 10).error().reason,
            "storage.already_exists");
  ASSERT_TRUE(must(sessions.find("old", kSessionLimits, kNow + 10)));  // nothing changed

  auto renewed = must(sessions.renew("old", "new", kSessionLimits, kNow + 20));
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->id_hash, "new");
  EXPECT_EQ(renewed->user_name, "alice");
  EXPECT_EQ(renewed->browser_key, "browser-old");
  EXPECT_EQ(renewed->created_at, kNow + 20);
  EXPECT_FALSE(must(sessions.find("old", kSessionLimits, kNow + 20)));
  EXPECT_TRUE(must(sessions.find("new", kSessionLimits, kNow + 20)));
  EXPECT_FALSE(must(sessions.renew("old", "newer", kSessionLimits, kNow + 21)));
  // An ended session is not renewed, and its id is gone afterwards.
  EXPECT_FALSE(must(sessions.renew("taken", "later", kSessionLimits, kNow + 600)));
  EXPECT_FALSE(must(sessions.find("later", kSessionLimits, kNow + 600)));
  EXPECT_EQ(must(sessions.count()), 1);
}

// Issue 11 item 5 in storage: a full store makes room from ended and signed-out sessions, and a
// signed-in one is never dropped for a signed-out newcomer.
TEST_P(StorageConformanceTest, WebSessionCapNeverEvictsSignedInForSignedOut) {
  auto& sessions = storage_->web_sessions();
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(must(sessions.insert(make_session("in" + std::to_string(i), "alice", kNow + i),
                                     kSessionLimits, kNow + i)));
  EXPECT_FALSE(must(sessions.insert(make_session("anon"), kSessionLimits, kNow + 20)));
  EXPECT_EQ(must(sessions.count()), 10);
  // A signed-in newcomer takes the place of the least recently seen signed-in one.
  ASSERT_TRUE(must(sessions.insert(make_session("in10", "bob", kNow + 20), kSessionLimits,
                                   kNow + 20)));
  EXPECT_FALSE(must(sessions.find("in0", kSessionLimits, kNow + 20)));
  EXPECT_TRUE(must(sessions.find("in1", kSessionLimits, kNow + 20)));
  EXPECT_EQ(must(sessions.count()), 10);

  // Signed-out sessions go first; ended ones before anything.
  ASSERT_TRUE(must(sessions.remove("in1")));
  ASSERT_TRUE(must(sessions.insert(make_session("out", "", kNow + 30), kSessionLimits, kNow + 30)));
  ASSERT_TRUE(must(sessions.insert(make_session("in11", "carol", kNow + 40), kSessionLimits,
                                   kNow + 40)));
  EXPECT_FALSE(must(sessions.find("out", kSessionLimits, kNow + 40)));
  for (int i = 2; i <= 11; ++i)
    EXPECT_TRUE(must(sessions.find("in" + std::to_string(i), kSessionLimits, kNow + 40))) << i;
  // Much later every one has ended: a signed-out newcomer fits, and purge takes the rest.
  ASSERT_TRUE(must(sessions.insert(make_session("late", "", kNow + 5000), kSessionLimits,
                                   kNow + 5000)));
  EXPECT_EQ(must(sessions.count()), 1);
  ASSERT_TRUE(must(sessions.insert(make_session("b", "", kNow + 5000), kSessionLimits, kNow + 5000)));
  EXPECT_EQ(must(sessions.purge_ended(kSessionLimits, kNow + 5599)), 0);
  EXPECT_EQ(must(sessions.purge_ended(kSessionLimits, kNow + 5600)), 2);
  EXPECT_EQ(must(sessions.count()), 0);
}

// ---- shared state: rate counters ----------------------------------------------------------------

RateCounterRecord make_counter(std::string bucket, std::string key, std::int64_t expires_at_ms,
                               std::int64_t blocked_until_ms = 0) {
  RateCounterRecord counter;
  counter.bucket = std::move(bucket);
  counter.key = std::move(key);
  counter.marks_ms = {1'700'000'000'000, 1'700'000'000'500};
  counter.expires_at_ms = expires_at_ms;
  counter.blocked_until_ms = blocked_until_ms;
  return counter;
}

constexpr std::int64_t kNowMs = kNow * 1000;

TEST_P(StorageConformanceTest, RateCounterCompareAndSet) {
  auto& counters = storage_->rate_counters();
  EXPECT_FALSE(must(counters.find("b", "k")));
  RateCounterRecord counter = make_counter("b", "k", kNowMs + 1000, kNowMs + 500);
  ASSERT_EQ(must(counters.put(counter, 0, kNowMs, 100)), CounterWrite::kWritten);
  EXPECT_EQ(must(counters.put(counter, 0, kNowMs, 100)), CounterWrite::kLost);  // exists
  auto found = must(counters.find("b", "k"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->marks_ms, counter.marks_ms);
  EXPECT_EQ(found->blocked_until_ms, kNowMs + 500);
  EXPECT_EQ(found->expires_at_ms, kNowMs + 1000);
  EXPECT_EQ(found->version, 1);

  counter.marks_ms = {};
  EXPECT_EQ(must(counters.put(counter, 2, kNowMs, 100)), CounterWrite::kLost);  // stale version
  EXPECT_EQ(must(counters.find("b", "k"))->marks_ms, found->marks_ms);
  ASSERT_EQ(must(counters.put(counter, 1, kNowMs, 100)), CounterWrite::kWritten);
  found = must(counters.find("b", "k"));
  EXPECT_TRUE(found->marks_ms.empty());
  EXPECT_EQ(found->version, 2);
  EXPECT_EQ(must(counters.put(counter, 1, kNowMs, 100)), CounterWrite::kLost);
  EXPECT_EQ(must(counters.put(make_counter("other", "k", 0), 1, kNowMs, 100)),
            CounterWrite::kLost);  // no such counter to replace
  // Buckets are separate namespaces.
  ASSERT_EQ(must(counters.put(make_counter("b2", "k", kNowMs + 1), 0, kNowMs, 100)),
            CounterWrite::kWritten);
  EXPECT_EQ(must(counters.count("b")), 1);
  EXPECT_EQ(must(counters.count("b2")), 1);
  EXPECT_TRUE(must(counters.remove("b", "k")));
  EXPECT_FALSE(must(counters.remove("b", "k")));
  EXPECT_EQ(must(counters.count("b")), 0);
  EXPECT_EQ(must(counters.purge_expired(kNowMs)), 0);
  EXPECT_EQ(must(counters.purge_expired(kNowMs + 1)), 1);
  EXPECT_EQ(must(counters.count("b2")), 0);
}

// Issue 11 item 7 in storage: a full bucket drops expired counters, then unblocked ones expiring
// soonest, never a blocked one; full of blocked counters it refuses new keys.
TEST_P(StorageConformanceTest, RateCounterCapNeverEvictsABlockedKey) {
  auto& counters = storage_->rate_counters();
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(must(counters.put(make_counter("b", "blocked" + std::to_string(i), kNowMs + 10'000,
                                             kNowMs + 5'000),
                                0, kNowMs, 10)),
              CounterWrite::kWritten);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(must(counters.put(make_counter("b", "free" + std::to_string(i), kNowMs + 1000 + i),
                                0, kNowMs, 10)),
              CounterWrite::kWritten);
  ASSERT_EQ(must(counters.put(make_counter("b", "expired", kNowMs), 0, kNowMs, 10)),
            CounterWrite::kWritten);
  EXPECT_EQ(must(counters.count("b")), 10);
  // The expired one goes first.
  ASSERT_EQ(must(counters.put(make_counter("b", "n1", kNowMs + 9000), 0, kNowMs, 10)),
            CounterWrite::kWritten);
  EXPECT_FALSE(must(counters.find("b", "expired")));
  EXPECT_EQ(must(counters.count("b")), 10);
  // Then the unblocked counter that expires soonest.
  ASSERT_EQ(must(counters.put(make_counter("b", "n2", kNowMs + 9000), 0, kNowMs, 10)),
            CounterWrite::kWritten);
  EXPECT_FALSE(must(counters.find("b", "free0")));
  EXPECT_TRUE(must(counters.find("b", "free1")));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(must(counters.find("b", "blocked" + std::to_string(i))));
  // Other buckets do not count against this one.
  ASSERT_EQ(must(counters.put(make_counter("c", "x", kNowMs + 9000), 0, kNowMs, 10)),
            CounterWrite::kWritten);

  // Full of blocked counters: a new key is refused and nothing changes.
  for (const char* key : {"free1", "free2", "free3", "n1", "n2"})
    ASSERT_TRUE(must(counters.remove("b", key)));
  for (int i = 5; i < 10; ++i)
    ASSERT_EQ(must(counters.put(make_counter("b", "blocked" + std::to_string(i), kNowMs + 10'000,
                                             kNowMs + 5'000),
                                0, kNowMs, 10)),
              CounterWrite::kWritten);
  EXPECT_EQ(must(counters.put(make_counter("b", "newcomer", kNowMs + 9000), 0, kNowMs, 10)),
            CounterWrite::kFull);
  EXPECT_EQ(must(counters.count("b")), 10);
  EXPECT_FALSE(must(counters.find("b", "newcomer")));
  // Once the blocks have passed, room is made again.
  EXPECT_EQ(must(counters.put(make_counter("b", "newcomer", kNowMs + 9000), 0, kNowMs + 5000, 10)),
            CounterWrite::kWritten);
}

// The compare-and-set is what lets many processes count one key: of concurrent increments none
// is lost.
TEST_P(StorageConformanceTest, ConcurrentCompareAndSetIncrementsLoseNothing) {
  auto& counters = storage_->rate_counters();
  constexpr int kThreads = 6;
  constexpr int kEach = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        for (;;) {
          auto found = must(counters.find("b", "k"));
          RateCounterRecord next = found ? *found : make_counter("b", "k", kNowMs + 100'000);
          if (!found) next.marks_ms = {};
          next.marks_ms.push_back(static_cast<std::int64_t>(next.marks_ms.size()));
          if (must(counters.put(next, found ? found->version : 0, kNowMs, 100)) ==
              CounterWrite::kWritten)
            break;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto counter = must(counters.find("b", "k"));
  ASSERT_TRUE(counter);
  EXPECT_EQ(counter->marks_ms.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(counter->version, kThreads * kEach);
}

// ---- shared state: poll counts and leases -------------------------------------------------------

TEST_P(StorageConformanceTest, PollCountsAddUpAndKeepTheEarliestFirstPoll) {
  auto& polls = storage_->poll_counts();
  auto count = must(polls.add("d1", 4, kNowMs + 100, kNow + 600));
  EXPECT_EQ(count.polls, 4);
  EXPECT_EQ(count.first_poll_ms, kNowMs + 100);
  count = must(polls.add("d1", 3, kNowMs + 50, kNow + 600));
  EXPECT_EQ(count.polls, 7);
  EXPECT_EQ(count.first_poll_ms, kNowMs + 50);
  count = must(polls.add("d1", 1, kNowMs + 900, kNow + 600));
  EXPECT_EQ(count.polls, 8);
  EXPECT_EQ(count.first_poll_ms, kNowMs + 50);
  EXPECT_EQ(must(polls.add("d2", 1, kNowMs, kNow + 700)).polls, 1);
  EXPECT_EQ(must(polls.purge_expired(kNow + 600)), 0);
  EXPECT_EQ(must(polls.purge_expired(kNow + 601)), 1);
  EXPECT_EQ(must(polls.add("d1", 2, kNowMs + 900, kNow + 600)).polls, 2);  // started afresh
}

TEST_P(StorageConformanceTest, LeaseHasOneHolderUntilItExpiresOrIsReleased) {
  auto& leases = storage_->leases();
  EXPECT_FALSE(must(leases.find("purge")));
  EXPECT_TRUE(must(leases.acquire("purge", "a", kNowMs, kNowMs + 1000)));
  EXPECT_FALSE(must(leases.acquire("purge", "b", kNowMs + 999, kNowMs + 2000)));
  EXPECT_TRUE(must(leases.acquire("other", "b", kNowMs, kNowMs + 1000)));  // another name
  auto lease = must(leases.find("purge"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->holder, "a");
  EXPECT_EQ(lease->expires_at_ms, kNowMs + 1000);
  EXPECT_TRUE(must(leases.acquire("purge", "a", kNowMs + 500, kNowMs + 1500)));  // renewal
  EXPECT_FALSE(must(leases.acquire("purge", "b", kNowMs + 1499, kNowMs + 3000)));
  EXPECT_TRUE(must(leases.acquire("purge", "b", kNowMs + 1500, kNowMs + 3000)));  // expired
  EXPECT_FALSE(must(leases.release("purge", "a")));
  EXPECT_EQ(must(leases.find("purge"))->holder, "b");
  EXPECT_TRUE(must(leases.release("purge", "b")));
  EXPECT_FALSE(must(leases.find("purge")));
  EXPECT_TRUE(must(leases.acquire("purge", "a", kNowMs + 1600, kNowMs + 2000)));
}

TEST_P(StorageConformanceTest, ConcurrentLeaseTakersHaveOneWinner) {
  auto& leases = storage_->leases();
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (must(leases.acquire("rotate", "holder-" + std::to_string(t), kNowMs, kNowMs + 1000)))
        ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(StorageConformanceTest, RetryGraceKeepsSealedResponsesForTheirWindowOnly) {
  auto& grace = storage_->retry_grace();
  EXPECT_FALSE(must(grace.find("k1", kNowMs)));
  must(grace.put("k1", "sealed-1", kNowMs, kNowMs + 5000));
  EXPECT_EQ(must(grace.find("k1", kNowMs + 4999)), "sealed-1");
  EXPECT_FALSE(must(grace.find("k1", kNowMs + 5000)));
  must(grace.put("k1", "sealed-2", kNowMs + 1, kNowMs + 6000));  // replaces
  EXPECT_EQ(must(grace.find("k1", kNowMs + 5500)), "sealed-2");
  must(grace.put("k2", "sealed-3", kNowMs, kNowMs + 1000));
  // A put deletes what has expired, so the table holds one window's worth.
  must(grace.put("k3", "sealed-4", kNowMs + 1000, kNowMs + 6000));
  EXPECT_EQ(must(grace.purge_expired(kNowMs + 1000)), 0);
  EXPECT_EQ(must(grace.purge_expired(kNowMs + 6000)), 2);
  EXPECT_FALSE(must(grace.find("k3", kNowMs)));
}

// Issue 15: an issuance stores its retry-grace entry in its redemption's own atomic step, and
// only when it redeems; the entry replaces what put() would have stored after it.
TEST_P(StorageConformanceTest, RedeemAndRotateStoreTheirRetryGraceEntryOnlyWhenTheyWin) {
  auto& grace = storage_->retry_grace();
  must(grace.put("stale", "sealed-0", kNowMs - 10, kNowMs - 1));  // expired: deleted by the next
  insert_approved("hash-1", "ABCDEFGH");
  const RetryGraceEntry won{"grace-1", "sealed-1", kNowMs, kNowMs + 5000};
  EXPECT_TRUE(must(devices().redeem("hash-1", "client-1", kNow + 20,
                                    {make_token("access-1", TokenKind::kAccess)}, &won)));
  EXPECT_EQ(must(grace.find("grace-1", kNowMs)), "sealed-1");
  EXPECT_EQ(must(grace.purge_expired(kNowMs)), 0);  // "stale" went with the redemption's put
  // Redeemed already: false, and neither its tokens nor its entry are stored.
  const RetryGraceEntry lost{"grace-2", "sealed-2", kNowMs, kNowMs + 5000};
  EXPECT_FALSE(must(devices().redeem("hash-1", "client-1", kNow + 21,
                                     {make_token("access-2", TokenKind::kAccess)}, &lost)));
  EXPECT_FALSE(must(grace.find("grace-2", kNowMs)));
  // A redemption that fails (a taken token hash) keeps no entry either.
  insert_approved("hash-2", "BCDEFGHA");
  const RetryGraceEntry failed{"grace-3", "sealed-3", kNowMs, kNowMs + 5000};
  EXPECT_FALSE(devices().redeem("hash-2", "client-1", kNow + 20,
                                {make_token("access-1", TokenKind::kAccess)}, &failed));
  EXPECT_FALSE(must(grace.find("grace-3", kNowMs)));
  EXPECT_EQ(authorization("hash-2")->state, DeviceState::kApproved);

  must(tokens().insert({make_token("refresh-1", TokenKind::kRefresh)}));
  const RetryGraceEntry rotated{"grace-4", "sealed-4", kNowMs, kNowMs + 5000};
  EXPECT_TRUE(must(tokens().rotate("refresh-1", {make_token("refresh-2", TokenKind::kRefresh)},
                                   &rotated)));
  EXPECT_EQ(must(grace.find("grace-4", kNowMs)), "sealed-4");
  const RetryGraceEntry replayed{"grace-5", "sealed-5", kNowMs, kNowMs + 5000};
  EXPECT_FALSE(must(tokens().rotate("refresh-1", {make_token("refresh-3", TokenKind::kRefresh)},
                                    &replayed)));
  EXPECT_FALSE(must(grace.find("grace-5", kNowMs)));
  EXPECT_FALSE(token("refresh-3").has_value());
}

TEST_P(StorageConformanceTest, FaultyStorageWrapsTheSharedStateStores) {
  FaultyStorage faulty(*storage_);
  faulty.fail_call(1);
  EXPECT_EQ(faulty.web_sessions().find("h", kSessionLimits, kNow).error().reason,
            "storage.unavailable");
  faulty.fail_call(1);
  EXPECT_FALSE(faulty.rate_counters().put(make_counter("b", "k", kNowMs), 0, kNowMs, 10));
  EXPECT_FALSE(must(storage_->rate_counters().find("b", "k")));  // failed before the call
  faulty.fail_call(1, FaultMode::kAfterCall);
  EXPECT_FALSE(faulty.poll_counts().add("d", 1, kNowMs, kNow + 600));
  EXPECT_EQ(must(storage_->poll_counts().add("d", 1, kNowMs, kNow + 600)).polls, 2);  // it ran
  faulty.fail_call(1);
  EXPECT_FALSE(faulty.leases().acquire("l", "a", kNowMs, kNowMs + 1));
  EXPECT_TRUE(must(faulty.leases().acquire("l", "a", kNowMs, kNowMs + 1)));  // only the 1st
  faulty.fail_call(1);
  EXPECT_FALSE(faulty.retry_grace().put("k", "s", kNowMs, kNowMs + 1));
  EXPECT_FALSE(must(storage_->retry_grace().find("k", kNowMs)));
  EXPECT_EQ(faulty.failures(), 1);  // counted from the last fail_call
}

// Two Storage objects over one database are what two server processes are: a session made or
// ended on one, a count made on one, is seen by the other at once.
TEST_P(PersistentStorageTest, SharedStateIsSharedBetweenTwoOpenings) {
  auto second = must(backend_->open());
  ASSERT_TRUE(must(storage_->web_sessions().insert(make_session("h", "alice"), kSessionLimits,
                                                   kNow)));
  auto seen = must(second->web_sessions().find("h", kSessionLimits, kNow + 1));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->user_name, "alice");
  ASSERT_TRUE(must(second->web_sessions().remove("h")));
  EXPECT_FALSE(must(storage_->web_sessions().find("h", kSessionLimits, kNow + 2)));

  ASSERT_EQ(must(storage_->rate_counters().put(make_counter("b", "k", kNowMs + 1000), 0, kNowMs,
                                               10)),
            CounterWrite::kWritten);
  EXPECT_EQ(must(second->rate_counters().put(make_counter("b", "k", kNowMs + 1000), 0, kNowMs,
                                             10)),
            CounterWrite::kLost);
  EXPECT_EQ(must(second->rate_counters().find("b", "k"))->version, 1);
  EXPECT_TRUE(must(storage_->leases().acquire("purge", "one", kNowMs, kNowMs + 1000)));
  EXPECT_FALSE(must(second->leases().acquire("purge", "two", kNowMs, kNowMs + 1000)));
  EXPECT_EQ(must(storage_->poll_counts().add("d", 4, kNowMs, kNow + 600)).polls, 4);
  EXPECT_EQ(must(second->poll_counts().add("d", 4, kNowMs + 10, kNow + 600)).polls, 8);

  // A restart keeps them.
  second.reset();
  reopen();
  EXPECT_EQ(must(storage_->rate_counters().find("b", "k"))->version, 1);
  EXPECT_EQ(must(storage_->leases().find("purge"))->holder, "one");
}

// ---- backends under test ------------------------------------------------------------------------

const BackendParam kBackends[] = {
    {"Memory", [] { return std::make_unique<MemoryBackend>(); }},
    {"Sqlite", [] { return std::make_unique<SqliteBackend>(); }},
#if SSOOIDC_TEST_POSTGRES
    {"Postgres", [] { return std::make_unique<PostgresBackend>(); }},
#endif
};

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformanceTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<BackendParam>& info) {
                           return std::string(info.param.name);
                         });

const BackendParam kPersistentBackends[] = {
    {"Sqlite", [] { return std::make_unique<SqliteBackend>(); }},
#if SSOOIDC_TEST_POSTGRES
    {"Postgres", [] { return std::make_unique<PostgresBackend>(); }},
#endif
};

INSTANTIATE_TEST_SUITE_P(Backends, PersistentStorageTest, ::testing::ValuesIn(kPersistentBackends),
                         [](const ::testing::TestParamInfo<BackendParam>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace ssooidc::storage
