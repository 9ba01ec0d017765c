#include "domain/pending_index.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>

#include "crypto/crypto.h"

namespace ssooidc::domain {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The first 96 bits of a hex SHA-256, the last 64 characters of an ordered secret's key
// (crypto::secret_hash: its time leads, and the bucket of a key is its first bits); nullopt for
// anything else (a key stored as other text).
template <typename Key>
std::optional<Key> key_of(std::string_view hash) noexcept {
  if (hash.size() == 64 + crypto::kSecretOrderHexChars)
    hash.remove_prefix(crypto::kSecretOrderHexChars);
  if (hash.size() != 64) return std::nullopt;
  Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    const int high = hex_digit(hash[2 * i]);
    const int low = hex_digit(hash[(2 * i) + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    key[i] = static_cast<unsigned char>((high << 4) | low);
  }
  return key;
}

template <typename Key>
std::uint64_t leading_bits(const Key& key) noexcept {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 8; ++i) bits = (bits << 8) | key[i];
  return bits;
}

std::uint32_t unpack32(const std::array<unsigned char, 4>& bytes) noexcept {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data(), sizeof value);
  return value;
}

std::array<unsigned char, 4> pack32(std::uint32_t value) noexcept {
  std::array<unsigned char, 4> bytes{};
  std::memcpy(bytes.data(), &value, sizeof value);
  return bytes;
}

}  // namespace

std::expected<std::size_t, Error> PendingIndex::load(storage::DeviceAuthorizationStore& store,
                                                     std::int64_t now) {
  {
    const std::scoped_lock lock(mutex_);
    if (loaded_) return entries_.size();
    loaded_ = true;
  }
  // The log's newest number first: whatever is decided from here on, during the scan too, is
  // numbered after it and applied by the first catch-up.
  auto latest = store.latest_change();
  if (!latest) return std::unexpected(latest.error());
  if (!*latest) return 0;  // no change log: nothing may be kept
  auto pending = store.count_pending(now);
  if (!pending) return std::unexpected(pending.error());
  if (*pending <= 0 || std::cmp_greater(*pending, kMaxEntries)) return 0;

  std::vector<Entry> entries;
  entries.reserve(static_cast<std::size_t>(*pending));
  std::vector<Profile> profiles;
  std::unordered_map<std::string, std::uint16_t> profile_of;  // client id, NUL, interval
  std::string profile_key;
  std::uint16_t last_profile = 0;
  bool too_many = false;
  auto scanned = store.scan_pending(now, [&](const storage::PendingRow& row) {
    if (too_many) return;
    if (entries.size() >= kMaxEntries) {
      too_many = true;
      return;
    }
    const auto key = key_of<Key>(row.device_code_hash);
    if (!key || row.expires_at <= 0 || row.expires_at > std::numeric_limits<std::uint32_t>::max())
      return;  // left to the table
    // Rows of one client mostly come together: the previous row's profile first.
    if (profiles.empty() || profiles[last_profile].client_id != row.client_id ||
        profiles[last_profile].interval != row.interval) {
      profile_key.assign(row.client_id).push_back('\0');
      profile_key.append(std::to_string(row.interval));
      auto found = profile_of.find(profile_key);
      if (found == profile_of.end()) {
        if (profiles.size() >= kMaxProfiles) return;
        found = profile_of.emplace(profile_key, static_cast<std::uint16_t>(profiles.size())).first;
        profiles.push_back(Profile{std::string(row.client_id), row.interval});
      }
      last_profile = found->second;
    }
    Entry entry{*key, pack32(static_cast<std::uint32_t>(row.expires_at)), {}};
    std::memcpy(entry.profile.data(), &last_profile, sizeof last_profile);
    entries.push_back(entry);
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (too_many) return 0;

  std::ranges::sort(entries, [](const Entry& a, const Entry& b) {
    return std::memcmp(a.key.data(), b.key.data(), a.key.size()) < 0;
  });
  // Equal prefixes of two different codes: neither is answered from here.
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].key == entries[i - 1].key) {
      entries[i].expires_at = pack32(0);
      entries[i - 1].expires_at = pack32(0);
    }
  }
  // About four rows a bucket, so that a lookup reads the bucket's bounds and one or two lines.
  const unsigned bits = std::clamp<unsigned>(
      static_cast<unsigned>(std::bit_width(entries.size() / 4)), 1U, 24U);
  std::vector<std::uint32_t> buckets((std::size_t{1} << bits) + 1, 0);
  const unsigned shift = 64 - bits;
  for (const Entry& entry : entries) ++buckets[(leading_bits(entry.key) >> shift) + 1];
  for (std::size_t b = 1; b < buckets.size(); ++b) buckets[b] += buckets[b - 1];

  const std::scoped_lock lock(mutex_);
  entries_ = std::move(entries);
  buckets_ = std::move(buckets);
  bucket_shift_ = shift;
  profiles_ = std::move(profiles);
  last_change_ = **latest;
  caught_up_at_.reset();  // the first poll catches up with what was decided meanwhile
  return entries_.size();
}

std::optional<std::size_t> PendingIndex::position_locked(const Key& key) const {
  if (entries_.empty()) return std::nullopt;
  const std::uint64_t bucket = leading_bits(key) >> bucket_shift_;
  for (std::size_t i = buckets_[bucket]; i < buckets_[bucket + 1]; ++i) {
    if (entries_[i].key == key) return i;
  }
  return std::nullopt;
}

std::optional<PendingIndex::Pending> PendingIndex::find_locked(std::string_view device_code_hash,
                                                               std::string_view client_id,
                                                               std::int64_t now) const {
  const auto key = key_of<Key>(device_code_hash);
  if (!key) return std::nullopt;
  const auto position = position_locked(*key);
  if (!position) return std::nullopt;
  const Entry& entry = entries_[*position];
  const std::int64_t expires_at = unpack32(entry.expires_at);
  if (expires_at <= now) return std::nullopt;  // removed, or expired: the table answers
  std::uint16_t profile = 0;
  std::memcpy(&profile, entry.profile.data(), sizeof profile);
  const Profile& owner = profiles_[profile];
  if (owner.client_id != client_id) return std::nullopt;
  return Pending{expires_at, owner.interval};
}

std::optional<PendingIndex::Pending> PendingIndex::find(std::string_view device_code_hash,
                                                        const storage::ChangeStamp& stamp,
                                                        std::string_view client_id,
                                                        std::int64_t now) {
  const std::scoped_lock lock(mutex_);
  if (caught_up_at_ != stamp) return std::nullopt;
  return find_locked(device_code_hash, client_id, now);
}

std::optional<PendingIndex::Pending> PendingIndex::find_caught_up(
    storage::DeviceAuthorizationStore& store, std::string_view device_code_hash,
    const storage::ChangeStamp& stamp, std::string_view client_id, std::int64_t now) {
  {
    const std::scoped_lock lock(mutex_);
    if (entries_.empty()) return std::nullopt;
    if (caught_up_at_ == stamp) return find_locked(device_code_hash, client_id, now);
  }
  catch_up(store, stamp);
  return find(device_code_hash, stamp, client_id, now);
}

void PendingIndex::catch_up(storage::DeviceAuthorizationStore& store,
                            const storage::ChangeStamp& stamp) {
  const std::scoped_lock one_at_a_time(catch_up_mutex_);
  std::int64_t after = 0;
  {
    const std::scoped_lock lock(mutex_);
    if (entries_.empty() || caught_up_at_ == stamp) return;
    after = last_change_;
  }
  // Read after `stamp` was taken: every change committed before it is in what this returns.
  auto changes = store.changes_since(after, kChangesPerRead);
  if (!changes) return;  // not caught up: the poll reads the table, the next one tries again
  const std::scoped_lock lock(mutex_);
  if (!*changes || !(*changes)->complete) {
    drop_locked();
    return;
  }
  for (const std::string& hash : (*changes)->device_code_hashes) {
    const auto key = key_of<Key>(hash);
    if (!key) continue;
    if (const auto position = position_locked(*key)) entries_[*position].expires_at = pack32(0);
  }
  last_change_ = (*changes)->last;
  caught_up_at_ = stamp;
}

void PendingIndex::drop_locked() {
  entries_ = {};
  buckets_ = {};
  profiles_ = {};
  caught_up_at_.reset();
}

bool PendingIndex::caught_up() const {
  const std::scoped_lock lock(mutex_);
  return caught_up_at_.has_value();
}

std::size_t PendingIndex::size() const {
  const std::scoped_lock lock(mutex_);
  return entries_.size();
}

}  // namespace ssooidc::domain
