#include "storage/row_mapping.h"

#include <charconv>
#include <optional>
#include <span>
#include <tuple>
#include <utility>

#include "storage/list_codec.h"

namespace ssooidc::storage {
namespace {

// ---- the kinds of column -----------------------------------------------------------------------
// Each writes its field as one parameter and reads it back from one column. A record's layout
// (below) is a list of them in column order, so that reading and writing cannot drift apart.

template <typename Of>
struct Text {
  using Record = Of;
  std::string Record::*field;
  void write(const Record& record, RowWriter& out) const { out.text(record.*field); }
  Result<void> read(RowReader& row, int column, Record& record) const {
    record.*field = row.text(column);
    return {};
  }
};

// A lower-case hex SHA-256, which a backend may store as its 32 bytes (RowWriter::hash).
template <typename Of>
struct Hash {
  using Record = Of;
  std::string Record::*field;
  void write(const Record& record, RowWriter& out) const { out.hash(record.*field); }
  Result<void> read(RowReader& row, int column, Record& record) const {
    record.*field = row.hash(column);
    return {};
  }
};

template <typename Of, typename Int>
struct Integer {
  using Record = Of;
  Int Record::*field;
  void write(const Record& record, RowWriter& out) const { out.integer(record.*field); }
  Result<void> read(RowReader& row, int column, Record& record) const {
    record.*field = static_cast<Int>(row.integer(column));
    return {};
  }
};

// Kept by the statements themselves (a version the UPDATE increments): read, never written.
template <typename Of>
struct ReadOnlyInteger {
  using Record = Of;
  std::int64_t Record::*field;
  void write(const Record&, RowWriter&) const {}
  Result<void> read(RowReader& row, int column, Record& record) const {
    record.*field = row.integer(column);
    return {};
  }
};

// 0 or 1 (the schema's CHECK), for backends without a boolean type.
template <typename Of>
struct Boolean {
  using Record = Of;
  bool Record::*field;
  void write(const Record& record, RowWriter& out) const { out.boolean(record.*field); }
  Result<void> read(RowReader& row, int column, Record& record) const {
    record.*field = row.boolean(column);
    return {};
  }
};

// A JSON array of strings (list_codec.h).
template <typename Of>
struct List {
  using Record = Of;
  std::vector<std::string> Record::*field;
  void write(const Record& record, RowWriter& out) const { out.list(record.*field); }
  Result<void> read(RowReader& row, int column, Record& record) const {
    auto list = row.list(column);
    if (!list) return std::unexpected(std::move(list.error()));
    record.*field = std::move(*list);
    return {};
  }
};

template <typename Enum>
using NameTable = std::span<const std::pair<Enum, std::string_view>>;

template <typename Enum>
std::string_view name_in(NameTable<Enum> names, Enum value) noexcept {
  for (const auto& [known, name] : names) {
    if (known == value) return name;
  }
  return names.front().second;  // an out-of-range value: the table's first, its default
}

// An enumeration stored by name. A name the table does not know is refused, never guessed: a
// row this build cannot vouch for (a newer build's value, a hand edit) is not read as another.
template <typename Of, typename Enum>
struct Named {
  using Record = Of;
  Enum Record::*field;
  NameTable<Enum> names;
  std::string_view unknown;  // the error's reason
  void write(const Record& record, RowWriter& out) const {
    out.text(name_in(names, record.*field));
  }
  Result<void> read(RowReader& row, int column, Record& record) const {
    const std::string_view stored = row.view(column);
    for (const auto& [value, name] : names) {
      if (name == stored) {
        record.*field = value;
        return {};
      }
    }
    return std::unexpected(row.error(unknown));
  }
};

std::string encode_marks(const std::vector<std::int64_t>& marks) {
  std::string out;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(marks[i]);
  }
  return out;
}

std::optional<std::vector<std::int64_t>> decode_marks(std::string_view text) {
  std::vector<std::int64_t> marks;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (error != std::errc() || end != item.data() + item.size()) return std::nullopt;
    marks.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return marks;
}

// Decimal integers joined by ',': a rate counter's marks (a few hundred at most).
template <typename Of>
struct Marks {
  using Record = Of;
  std::vector<std::int64_t> Record::*field;
  void write(const Record& record, RowWriter& out) const {
    out.owned_text(encode_marks(record.*field));
  }
  Result<void> read(RowReader& row, int column, Record& record) const {
    auto marks = decode_marks(row.view(column));
    if (!marks) return std::unexpected(row.error("stored marks are not a list of integers"));
    record.*field = std::move(*marks);
    return {};
  }
};

// A record's columns, in the order of its INSERT's parameters and its SELECT's columns.
template <typename First, typename... Rest>
class Layout {
 public:
  using Record = typename First::Record;

  constexpr explicit Layout(First first, Rest... rest) : columns_(first, rest...) {}

  void write(const Record& record, RowWriter& out) const {
    std::apply([&](const auto&... column) { (column.write(record, out), ...); }, columns_);
  }

  Result<Record> read(RowReader& row) const {
    Record record;
    Result<void> status;
    int index = 0;
    // && stops at the first column that fails, which is the error.
    std::apply(
        [&](const auto&... column) {
          static_cast<void>(
              ((status = column.read(row, index++, record), status.has_value()) && ...));
        },
        columns_);
    if (!status) return std::unexpected(std::move(status.error()));
    return record;
  }

 private:
  std::tuple<First, Rest...> columns_;
};

// ---- the stored names ---------------------------------------------------------------------------
// The first of each table is what an out-of-range value is written as.

constexpr std::pair<ClientOrigin, std::string_view> kOrigins[] = {
    {ClientOrigin::kRegistered, "registered"}, {ClientOrigin::kOperator, "operator"}};
constexpr std::pair<DeviceState, std::string_view> kDeviceStates[] = {
    {DeviceState::kPending, "pending"},
    {DeviceState::kApproved, "approved"},
    {DeviceState::kDenied, "denied"},
    {DeviceState::kRedeemed, "redeemed"}};
constexpr std::pair<TokenKind, std::string_view> kTokenKinds[] = {{TokenKind::kAccess, "access"},
                                                                  {TokenKind::kRefresh, "refresh"}};
constexpr std::pair<CredentialSource, std::string_view> kSources[] = {
    {CredentialSource::kMinted, "minted"},
    {CredentialSource::kStatic, "static"},
    {CredentialSource::kCommand, "command"}};
constexpr std::pair<PrincipalType, std::string_view> kPrincipalTypes[] = {
    {PrincipalType::kUser, "user"}, {PrincipalType::kGroup, "group"}};

// ---- the layouts --------------------------------------------------------------------------------

using C = ClientRecord;
constexpr Layout kClient{Text<C>{&C::client_id},
                         Text<C>{&C::secret_hash},
                         Text<C>{&C::client_name},
                         Text<C>{&C::client_type},
                         List<C>{&C::scopes},
                         List<C>{&C::redirect_uris},
                         List<C>{&C::grant_types},
                         Text<C>{&C::issuer_url},
                         Integer<C, std::int64_t>{&C::issued_at},
                         Integer<C, std::int64_t>{&C::expires_at},
                         Named<C, ClientOrigin>{&C::origin, kOrigins, "unknown client origin"}};

using D = DeviceAuthorizationRecord;
constexpr Layout kDeviceAuthorization{
    Hash<D>{&D::device_code_hash},
    Text<D>{&D::user_code},
    Text<D>{&D::client_id},
    Text<D>{&D::start_url},
    Integer<D, std::int64_t>{&D::created_at},
    Integer<D, std::int64_t>{&D::expires_at},
    Integer<D, std::int32_t>{&D::interval},
    Named<D, DeviceState>{&D::state, kDeviceStates, "unknown device authorization state"},
    Text<D>{&D::user_name},
    Integer<D, std::int64_t>{&D::decided_at},
    Text<D>{&D::requester_address},
    List<D>{&D::scopes}};

using T = TokenRecord;
constexpr Layout kToken{Text<T>{&T::token_hash},
                        Named<T, TokenKind>{&T::kind, kTokenKinds, "unknown token kind"},
                        Text<T>{&T::family_id},
                        Text<T>{&T::client_id},
                        Text<T>{&T::user_name},
                        List<T>{&T::scopes},
                        Integer<T, std::int64_t>{&T::issued_at},
                        Integer<T, std::int64_t>{&T::expires_at},
                        Boolean<T>{&T::used},
                        Boolean<T>{&T::revoked}};

using U = UserRecord;
constexpr Layout kUser{Text<U>{&U::name}, Text<U>{&U::password_hash}, Boolean<U>{&U::disabled},
                       Integer<U, std::int64_t>{&U::created_at}, Text<U>{&U::email}};

using A = AuthorizationCodeRecord;
constexpr Layout kAuthorizationCode{Text<A>{&A::code_hash},
                                    Text<A>{&A::client_id},
                                    Text<A>{&A::redirect_uri},
                                    Text<A>{&A::code_challenge},
                                    List<A>{&A::scopes},
                                    Text<A>{&A::user_name},
                                    Integer<A, std::int64_t>{&A::auth_time},
                                    Integer<A, std::int64_t>{&A::created_at},
                                    Integer<A, std::int64_t>{&A::expires_at},
                                    Boolean<A>{&A::used},
                                    Text<A>{&A::family_id},
                                    Text<A>{&A::nonce}};

using K = SigningKeyRecord;
constexpr Layout kSigningKey{
    Text<K>{&K::kid}, Text<K>{&K::private_pem}, Integer<K, std::int64_t>{&K::created_at},
    Integer<K, std::int64_t>{&K::retire_after}, Integer<K, std::int64_t>{&K::publish_until}};

using Ac = AccountRecord;
constexpr Layout kAccount{Text<Ac>{&Ac::account_id}, Text<Ac>{&Ac::name}, Text<Ac>{&Ac::email},
                          Integer<Ac, std::int64_t>{&Ac::created_at}};

using R = RoleRecord;
constexpr Layout kRole{
    Text<R>{&R::account_id},
    Text<R>{&R::role_name},
    Integer<R, std::int32_t>{&R::session_duration_seconds},
    Named<R, CredentialSource>{&R::source, kSources, "unknown credential source"},
    Text<R>{&R::static_access_key_id},
    Text<R>{&R::static_secret_access_key},
    Text<R>{&R::static_session_token},
    List<R>{&R::command},
    Integer<R, std::int64_t>{&R::created_at}};

using G = GroupRecord;
constexpr Layout kGroup{Text<G>{&G::name}, Text<G>{&G::description},
                        Integer<G, std::int64_t>{&G::created_at}};

using As = AssignmentRecord;
constexpr Layout kAssignment{
    Named<As, PrincipalType>{&As::principal_type, kPrincipalTypes, "unknown principal type"},
    Text<As>{&As::principal_name}, Text<As>{&As::account_id}, Text<As>{&As::role_name},
    Integer<As, std::int64_t>{&As::created_at}};

using Cr = CredentialIssueRecord;
constexpr Layout kCredentialRecord{
    Integer<Cr, std::int64_t>{&Cr::issued_at},
    Text<Cr>{&Cr::user_name},
    Text<Cr>{&Cr::account_id},
    Text<Cr>{&Cr::role_name},
    Text<Cr>{&Cr::access_key_id},
    Integer<Cr, std::int64_t>{&Cr::expires_at},
    Named<Cr, CredentialSource>{&Cr::source, kSources, "unknown credential source"}};

using W = WebSessionRecord;
constexpr Layout kWebSession{Text<W>{&W::id_hash},
                             Text<W>{&W::browser_key},
                             Text<W>{&W::user_name},
                             List<W>{&W::checked_user_codes},
                             Integer<W, std::int64_t>{&W::created_at},
                             Integer<W, std::int64_t>{&W::last_seen}};

using Rc = RateCounterRecord;
constexpr Layout kRateCounter{Text<Rc>{&Rc::bucket},
                              Text<Rc>{&Rc::key},
                              Marks<Rc>{&Rc::marks_ms},
                              Integer<Rc, std::int64_t>{&Rc::blocked_until_ms},
                              Integer<Rc, std::int64_t>{&Rc::expires_at_ms},
                              ReadOnlyInteger<Rc>{&Rc::version}};

using L = LeaseRecord;
constexpr Layout kLease{Text<L>{&L::name}, Text<L>{&L::holder},
                        Integer<L, std::int64_t>{&L::expires_at_ms}};

}  // namespace

Result<std::vector<std::string>> RowReader::list(int column) {
  auto list = decode_string_list(view(column));
  if (!list) return std::unexpected(error("stored list is not a JSON array of strings"));
  return std::move(*list);
}

RowWriter& RowWriter::list(const std::vector<std::string>& items) {
  return owned_text(encode_string_list(items));
}

std::string_view device_state_name(DeviceState state) noexcept {
  return name_in<DeviceState>(kDeviceStates, state);
}

std::string_view principal_type_name(PrincipalType type) noexcept {
  return name_in<PrincipalType>(kPrincipalTypes, type);
}

// clang-format off
void write_client(const ClientRecord& r, RowWriter& out) { kClient.write(r, out); }
Result<ClientRecord> read_client(RowReader& row) { return kClient.read(row); }
void write_device_authorization(const DeviceAuthorizationRecord& r, RowWriter& out) { kDeviceAuthorization.write(r, out); }
Result<DeviceAuthorizationRecord> read_device_authorization(RowReader& row) { return kDeviceAuthorization.read(row); }
void write_token(const TokenRecord& r, RowWriter& out) { kToken.write(r, out); }
Result<TokenRecord> read_token(RowReader& row) { return kToken.read(row); }
void write_user(const UserRecord& r, RowWriter& out) { kUser.write(r, out); }
Result<UserRecord> read_user(RowReader& row) { return kUser.read(row); }
void write_authorization_code(const AuthorizationCodeRecord& r, RowWriter& out) { kAuthorizationCode.write(r, out); }
Result<AuthorizationCodeRecord> read_authorization_code(RowReader& row) { return kAuthorizationCode.read(row); }
void write_signing_key(const SigningKeyRecord& r, RowWriter& out) { kSigningKey.write(r, out); }
Result<SigningKeyRecord> read_signing_key(RowReader& row) { return kSigningKey.read(row); }
void write_account(const AccountRecord& r, RowWriter& out) { kAccount.write(r, out); }
Result<AccountRecord> read_account(RowReader& row) { return kAccount.read(row); }
void write_role(const RoleRecord& r, RowWriter& out) { kRole.write(r, out); }
Result<RoleRecord> read_role(RowReader& row) { return kRole.read(row); }
void write_group(const GroupRecord& r, RowWriter& out) { kGroup.write(r, out); }
Result<GroupRecord> read_group(RowReader& row) { return kGroup.read(row); }
void write_assignment(const AssignmentRecord& r, RowWriter& out) { kAssignment.write(r, out); }
Result<AssignmentRecord> read_assignment(RowReader& row) { return kAssignment.read(row); }
void write_credential_record(const CredentialIssueRecord& r, RowWriter& out) { kCredentialRecord.write(r, out); }
Result<CredentialIssueRecord> read_credential_record(RowReader& row) { return kCredentialRecord.read(row); }
void write_web_session(const WebSessionRecord& r, RowWriter& out) { kWebSession.write(r, out); }
Result<WebSessionRecord> read_web_session(RowReader& row) { return kWebSession.read(row); }
void write_rate_counter(const RateCounterRecord& r, RowWriter& out) { kRateCounter.write(r, out); }
Result<RateCounterRecord> read_rate_counter(RowReader& row) { return kRateCounter.read(row); }
Result<LeaseRecord> read_lease(RowReader& row) { return kLease.read(row); }
// clang-format on

}  // namespace ssooidc::storage
