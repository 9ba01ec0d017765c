#include "http/connection_counter.h"

#include <boost/asio/ip/address_v6.hpp>

namespace ssooidc::http {

namespace asio = boost::asio;

namespace {

std::string address_key(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::make_address_v6(bytes).to_string() + "/64";
}

}  // namespace

std::optional<std::string> ConnectionCounter::admit(const asio::ip::address& address, bool exempt,
                                                    std::size_t total_cap,
                                                    std::size_t per_address_cap) {
  // Exempt peers are counted under a key no address can have, so release() stays uniform.
  std::string key = exempt ? std::string("trusted") : address_key(address);
  std::lock_guard lock(mutex_);
  if (open_ >= total_cap) return std::nullopt;
  std::size_t& from_here = per_address_[key];
  if (!exempt && from_here >= per_address_cap) {
    if (from_here == 0) per_address_.erase(key);
    return std::nullopt;
  }
  ++from_here;
  ++open_;
  return key;
}

void ConnectionCounter::release(const std::string& key) noexcept {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(key);
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
  --open_;
}

std::size_t ConnectionCounter::open() const noexcept {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace ssooidc::http
