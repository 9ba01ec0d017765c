// Counts open connections over all workers, in total and per client address, and admits a new
// one only below both caps (issue 11 item 2). Private to the http layer.
//
// The per-address key is the peer's IPv4 address or IPv6 /64, so one IPv6 subscriber cannot
// open a fresh budget per address. The map holds one entry per address with open connections,
// so it is bounded by the global cap.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace ssooidc::http {

class ConnectionCounter {
 public:
  // Takes a slot for a connection from `address` when fewer than `total_cap` connections are open
  // and (unless `exempt`, e.g. a trusted proxy) fewer than `per_address_cap` from its address.
  // Returns the key to pass to release(), or nullopt when refused.
  [[nodiscard]] std::optional<std::string> admit(const boost::asio::ip::address& address,
                                                 bool exempt, std::size_t total_cap,
                                                 std::size_t per_address_cap);
  // Frees the slot admit() gave; `key` is its return value.
  void release(const std::string& key) noexcept;
  [[nodiscard]] std::size_t open() const noexcept;

 private:
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

}  // namespace ssooidc::http
