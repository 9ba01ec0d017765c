#include "domain/portal_service.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

#include "crypto/crypto.h"
#include "domain/client_service.h"
#include "domain/context.h"
#include "domain/credential_command.h"
#include "domain/record_views.h"
#include "domain/test_controls.h"
#include "wire/portal_codec.h"

namespace ssooidc::domain {

struct StoredRole : storage::RoleRecord {};
struct StoredAccount {
  storage::AccountRecord account;
  std::vector<StoredRole> roles;  // by name
};
struct PortalDirectory {
  std::vector<StoredAccount> accounts;  // by account id
  std::int64_t fetched_millis = 0;
};

namespace {

// The real service's words for every rejected token.
std::unexpected<Error> unauthorized() {
  return fail(ErrorType::kUnauthorized, "Session token not found or invalid");
}

std::unexpected<Error> not_found() {
  return fail(ErrorType::kResourceNotFound, "No access");
}

// Maps `n` random bytes onto `alphabet` without bias: a byte is used only when it falls below
// the largest multiple of the alphabet's size.
std::string random_chars(core::Random& random, std::string_view alphabet, std::size_t n) {
  const unsigned limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(n);
  std::uint8_t buffer[64];
  while (out.size() < n) {
    random.fill(buffer, sizeof buffer);
    for (const std::uint8_t b : buffer) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == n) break;
    }
  }
  return out;
}

// "2024-05-01T12:00:00Z", with optional fractional seconds and a "Z" or "+00:00" offset.
std::optional<std::int64_t> parse_iso8601_utc(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
  if (rest.starts_with('.')) {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest.remove_prefix(i);
  }
  int offset_seconds = 0;
  if (rest == "Z" || rest == "z" || rest == "+00:00") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int hours = 0, minutes = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) != 2)
      return std::nullopt;
    offset_seconds = (rest[0] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  } else {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) - offset_seconds;
}

// The account of `directory` with that id; nullptr when the user holds no role on it.
const StoredAccount* find_account(const PortalDirectory& directory, std::string_view account_id) {
  const auto& accounts = directory.accounts;
  const auto it = std::ranges::lower_bound(accounts, account_id, {},
                                           [](const StoredAccount& a) -> std::string_view {
                                             return a.account.account_id;
                                           });
  if (it == accounts.end() || it->account.account_id != account_id) return nullptr;
  return &*it;
}

// Every account and role assigned to `user_name`, as stored. Bounded by the directory the
// operator made; read in pages like the API does.
std::expected<std::vector<StoredAccount>, Error> stored_assignments(storage::Storage& storage,
                                                                    std::string_view user_name) {
  std::vector<StoredAccount> out;
  std::string after;
  while (true) {
    auto accounts =
        storage.assignments().accounts_for_user(user_name, after, PortalService::kMaxPageSize);
    if (!accounts) return std::unexpected(accounts.error());
    for (auto& account : *accounts) {
      auto roles = storage.assignments().roles_for_user(user_name, account.account_id, "", 1000);
      if (!roles) return std::unexpected(roles.error());
      StoredAccount& stored = out.emplace_back();
      stored.account = std::move(account);
      stored.roles.reserve(roles->size());
      for (auto& role : *roles) stored.roles.push_back(StoredRole{std::move(role)});
    }
    if (std::cmp_less(accounts->size(), PortalService::kMaxPageSize)) return out;
    after = out.back().account.account_id;
  }
}

}  // namespace

RoleCredentials mint_credentials(core::Random& random) {
  constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  constexpr std::string_view kBase64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  RoleCredentials c;
  c.accessKeyId = "ASIA" + random_chars(random, kUpper, 16);
  c.secretAccessKey = random_chars(random, kBase64, 40);
  c.sessionToken = random_chars(random, kBase64, 356);
  return c;
}

PortalService::PortalService(Context& ctx, ClientService& clients, Log log,
                             std::string page_token_key)
    : ctx_(ctx),
      clients_(clients),
      log_(log ? std::move(log)
               : Log([](std::string_view line) {
                   std::fprintf(stderr, "ssooidc-server: %.*s\n", static_cast<int>(line.size()),
                                line.data());
                 })),
      pages_(page_token_key.empty() ? ctx.random.bytes(32) : std::move(page_token_key)),
      limiter_(ctx, RatePolicy::per_second("portal_per_token", ctx.settings.portal_requests_per_second,
                                      ctx.settings.portal_burst)) {}

std::optional<Error> PortalService::rate_limited(std::string_view key, std::string_view text) {
  auto wait = limiter_.try_acquire(key);
  if (!wait) return std::move(wait.error());
  if (*wait > 0) return Error::make(ErrorType::kTooManyRequests, std::string(text));
  return std::nullopt;
}

bool PortalService::fresh(std::int64_t fetched_millis) const {
  return ctx_.settings.portal_cache_ms > 0 &&
         ctx_.clock.monotonic_millis() - fetched_millis < ctx_.settings.portal_cache_ms;
}

std::expected<PortalCaller, Error> PortalService::authenticate(
    std::string_view access_token) {
  if (access_token.empty() || access_token.size() > 4096) return unauthorized();
  const std::string hash = crypto::secret_hash(access_token);
  {
    std::shared_lock lock(cache_mutex_);
    const auto it = callers_.find(hash);
    if (it != callers_.end() && fresh(it->second.fetched_millis)) {
      // Accepted a moment ago; only its expiry can have changed since.
      if (it->second.token.expires_at <= ctx_.clock.now_epoch_seconds()) return unauthorized();
      if (ctx_.test && ctx_.test->token_expired(hash)) return unauthorized();
      PortalCaller token = it->second.token;
      lock.unlock();
      if (auto limited = rate_limited(hash, "Too many requests with this session token"))
        return std::unexpected(std::move(*limited));
      return token;
    }
  }
  auto found = ctx_.storage.tokens().find(hash);
  if (!found) return std::unexpected(found.error());
  if (!*found) return unauthorized();
  storage::TokenRecord& token = **found;
  if (token.kind != storage::TokenKind::kAccess || token.revoked ||
      token.expires_at <= ctx_.clock.now_epoch_seconds() ||
      (ctx_.test && ctx_.test->token_expired(hash)))  // test mode's admin API
    return unauthorized();
  if (std::ranges::find(token.scopes, kPortalScope) == token.scopes.end()) {
    // Without the scope, only a token of a legacy (unscoped) registration may call, as AWS does.
    if (!token.scopes.empty()) return unauthorized();
    auto client = clients_.find_cached(token.client_id);
    if (!client) return std::unexpected(client.error());
    if (!*client || !(*client)->client.scopes.empty()) return unauthorized();
  }
  auto user = ctx_.storage.users().find(token.user_name);
  if (!user) return std::unexpected(user.error());
  if (!*user || (*user)->disabled) return unauthorized();
  if (auto limited = rate_limited(hash, "Too many requests with this session token"))
    return std::unexpected(std::move(*limited));
  if (ctx_.settings.portal_cache_ms > 0) {
    // The SSO session ends when the family's last token does (for a refreshable login, its
    // refresh token; for a legacy one, this access token).
    auto session_end = ctx_.storage.tokens().family_expires_at(token.family_id);
    if (!session_end) return std::unexpected(session_end.error());
    std::unique_lock lock(cache_mutex_);
    if (callers_.size() >= kMaxCachedEntries) callers_.clear();
    callers_[hash] = {caller_view(token), session_end->value_or(token.expires_at),
                      ctx_.clock.monotonic_millis()};
  }
  return caller_view(token);
}

std::expected<std::int64_t, Error> PortalService::session_end_of(
    const PortalCaller& caller) {
  {
    std::shared_lock lock(cache_mutex_);
    const auto it = callers_.find(caller.token_hash);
    if (it != callers_.end() && fresh(it->second.fetched_millis)) return it->second.session_ends_at;
  }
  auto session_end = ctx_.storage.tokens().family_expires_at(caller.family_id);
  if (!session_end) return std::unexpected(session_end.error());
  return session_end->value_or(caller.expires_at);
}

std::expected<std::shared_ptr<const PortalDirectory>, Error> PortalService::directory_of(
    std::string_view user_name) {
  const std::string user(user_name);
  {
    std::shared_lock lock(cache_mutex_);
    const auto it = directories_.find(user);
    if (it != directories_.end() && fresh(it->second->fetched_millis)) return it->second;
  }
  auto accounts = stored_assignments(ctx_.storage, user_name);
  if (!accounts) return std::unexpected(accounts.error());
  auto directory = std::make_shared<PortalDirectory>();
  directory->accounts = std::move(*accounts);
  directory->fetched_millis = ctx_.clock.monotonic_millis();
  if (ctx_.settings.portal_cache_ms > 0 && directory->accounts.size() <= kMaxCachedAccounts) {
    std::unique_lock lock(cache_mutex_);
    if (directories_.size() >= kMaxCachedEntries) directories_.clear();
    directories_[user] = directory;
  }
  return directory;
}

std::expected<std::shared_ptr<const StoredRole>, Error> PortalService::find_assigned(
    std::string_view user_name, std::string_view account_id, std::string_view role_name) {
  auto directory = directory_of(user_name);
  if (!directory) return std::unexpected(directory.error());
  const StoredAccount* account = find_account(**directory, account_id);
  if (account == nullptr) return not_found();
  for (const auto& role : account->roles)
    if (role.role_name == role_name) return std::shared_ptr<const StoredRole>(*directory, &role);
  return not_found();
}

std::expected<std::int32_t, Error> PortalService::page_size(
    std::optional<std::int32_t> max_results) const {
  if (!max_results) return kDefaultPageSize;
  if (*max_results < 1 || *max_results > kMaxPageSize)
    return fail(ErrorType::kInvalidRequest, "max_result must be between 1 and 100");
  return *max_results;
}

std::expected<ListAccountsResponse, Error> PortalService::list_accounts(
    const PortalCaller& caller, std::optional<std::int32_t> max_results,
    const std::optional<std::string>& next_token) {
  auto size = page_size(max_results);
  if (!size) return std::unexpected(size.error());
  std::string after;
  if (next_token) {
    auto opened = pages_.open(*next_token, caller.user_name, "accounts");
    if (!opened) return fail(ErrorType::kInvalidRequest, "Invalid next token");
    after = std::move(*opened);
  }
  auto directory = directory_of(caller.user_name);
  if (!directory) return std::unexpected(directory.error());
  const auto& accounts = (*directory)->accounts;
  auto it = std::ranges::upper_bound(accounts, std::string_view(after), {},
                                     [](const StoredAccount& a) -> std::string_view {
                                       return a.account.account_id;
                                     });
  ListAccountsResponse out;
  out.accountList.emplace();
  out.accountList->reserve(static_cast<std::size_t>(*size));
  for (; it != accounts.end() && std::cmp_less(out.accountList->size(), *size); ++it) {
    AccountInfo info;
    info.accountId = it->account.account_id;
    info.accountName = it->account.name;
    if (!it->account.email.empty()) info.emailAddress = it->account.email;
    out.accountList->push_back(std::move(info));
  }
  if (it != accounts.end())
    out.nextToken = pages_.make(caller.user_name, "accounts", *out.accountList->back().accountId);
  return out;
}

std::expected<ListAccountRolesResponse, Error> PortalService::list_account_roles(
    const PortalCaller& caller, std::string_view account_id,
    std::optional<std::int32_t> max_results, const std::optional<std::string>& next_token) {
  if (account_id.empty()) return fail(ErrorType::kInvalidRequest, "account_id is required");
  auto size = page_size(max_results);
  if (!size) return std::unexpected(size.error());
  const std::string listing = "roles\n" + std::string(account_id);
  std::string after;
  if (next_token) {
    auto opened = pages_.open(*next_token, caller.user_name, listing);
    if (!opened) return fail(ErrorType::kInvalidRequest, "Invalid next token");
    after = std::move(*opened);
  }
  auto directory = directory_of(caller.user_name);
  if (!directory) return std::unexpected(directory.error());
  const StoredAccount* account = find_account(**directory, account_id);
  // An account the user holds no role on is the same as one that does not exist.
  if (account == nullptr) return not_found();
  ListAccountRolesResponse out;
  out.roleList.emplace();
  auto role = std::ranges::upper_bound(account->roles, std::string_view(after), {},
                                       [](const storage::RoleRecord& r) -> std::string_view {
                                         return r.role_name;
                                       });
  for (; role != account->roles.end() && std::cmp_less(out.roleList->size(), *size); ++role)
    out.roleList->push_back(RoleInfo{role->role_name, role->account_id});
  if (role != account->roles.end())
    out.nextToken = pages_.make(caller.user_name, listing, *out.roleList->back().roleName);
  return out;
}

std::expected<RoleCredentials, Error> PortalService::get_role_credentials(
    const PortalCaller& caller, std::string_view account_id, std::string_view role_name) {
  if (account_id.empty()) return fail(ErrorType::kInvalidRequest, "account_id is required");
  if (role_name.empty()) return fail(ErrorType::kInvalidRequest, "role_name is required");
  auto role = find_assigned(caller.user_name, account_id, role_name);
  if (!role) return std::unexpected(role.error());
  auto session_end = session_end_of(caller);
  if (!session_end) return std::unexpected(session_end.error());
  return issue(caller.user_name, **role, *session_end);
}

std::expected<RoleCredentials, Error> PortalService::credentials_for_user(
    std::string_view user_name, std::string_view account_id, std::string_view role_name,
    std::int64_t session_ends_at) {
  // The page's requests share one bucket per user (the API's are per token).
  if (auto limited = rate_limited("page\n" + std::string(user_name),
                                  "Too many requests for credentials"))
    return std::unexpected(std::move(*limited));
  auto role = find_assigned(user_name, account_id, role_name);
  if (!role) return std::unexpected(role.error());
  return issue(user_name, **role, session_ends_at);
}

std::expected<RoleCredentials, Error> PortalService::issue(std::string_view user_name,
                                                           const StoredRole& role,
                                                           std::int64_t session_ends_at) {
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  std::int64_t expires_at = std::min(now + role.session_duration_seconds, session_ends_at);
  RoleCredentials creds;
  switch (role.source) {
    case storage::CredentialSource::kMinted:
      creds = mint_credentials(ctx_.random);
      break;
    case storage::CredentialSource::kStatic:
      creds.accessKeyId = role.static_access_key_id;
      creds.secretAccessKey = role.static_secret_access_key;
      if (!role.static_session_token.empty()) creds.sessionToken = role.static_session_token;
      break;
    case storage::CredentialSource::kCommand: {
      const std::string what = "credential command of role " + role.role_name + " in account " +
                               role.account_id + " (user " + std::string(user_name) + ")";
      CommandRequest request{role.command,
                             role.account_id,
                             role.role_name,
                             std::string(user_name),
                             role.session_duration_seconds,
                             ctx_.settings.credential_command_timeout_ms,
                             ctx_.settings.credential_command_max_output_bytes};
      auto output = run_credential_command(request);
      if (!output) {
        log_(what + " failed: " + output.error().reason);
        return fail(ErrorType::kInternalServer, "The credential source of this role failed");
      }
      auto parsed = wire::decode_credential_process_output(*output);
      std::optional<std::int64_t> until;
      if (parsed && parsed->Expiration) {
        until = parse_iso8601_utc(*parsed->Expiration);
        if (!until) parsed = std::unexpected(Error::make(ErrorType::kInternalServer,
                                                         "credential_process output: Expiration "
                                                         "is not an ISO 8601 UTC time"));
      }
      if (!parsed) {
        log_(what + " printed unusable output: " + parsed.error().error_description);
        return fail(ErrorType::kInternalServer, "The credential source of this role failed");
      }
      // The program's credentials expire when it says, whatever the SSO session does.
      if (until) expires_at = *until;
      creds.accessKeyId = std::move(parsed->AccessKeyId);
      creds.secretAccessKey = std::move(parsed->SecretAccessKey);
      creds.sessionToken = std::move(parsed->SessionToken);
      break;
    }
  }
  creds.expiration = expires_at * 1000;

  storage::CredentialIssueRecord record;
  record.issued_at = now;
  record.user_name = std::string(user_name);
  record.account_id = role.account_id;
  record.role_name = role.role_name;
  record.access_key_id = *creds.accessKeyId;
  record.expires_at = expires_at;
  record.source = role.source;
  if (auto recorded = ctx_.storage.credential_records().insert(record); !recorded)
    return std::unexpected(recorded.error());
  return creds;
}

std::expected<void, Error> PortalService::logout(const PortalCaller& caller) {
  auto revoked = ctx_.storage.tokens().revoke_family(caller.family_id);
  if (!revoked) return std::unexpected(revoked.error());
  const std::string count = std::to_string(*revoked);
  core::record_event(ctx_.events, "token_family.revoked",
                     {{"user", caller.user_name}, {"reason", "logout"}, {"tokens", count}});
  std::unique_lock lock(cache_mutex_);
  std::erase_if(callers_, [&](const auto& entry) {
    return entry.second.token.family_id == caller.family_id;
  });
  return {};
}

std::expected<std::vector<PortalService::AccountWithRoles>, Error> PortalService::assignments_of(
    std::string_view user_name) {
  auto stored = stored_assignments(ctx_.storage, user_name);
  if (!stored) return std::unexpected(std::move(stored.error()));
  std::vector<AccountWithRoles> out;
  out.reserve(stored->size());
  for (const auto& a : *stored) {
    AccountWithRoles& shown = out.emplace_back();
    shown.account = account_view(a.account);
    shown.roles.reserve(a.roles.size());
    for (const auto& role : a.roles) shown.roles.push_back(role_view(role));
  }
  return out;
}

}  // namespace ssooidc::domain
