// Who a request comes from when the server sits behind reverse proxies (issue 11 item 3).
//
// Only a peer inside one of the trusted networks may speak for the client: from such a peer the
// client is the right-most X-Forwarded-For hop that is not itself a trusted proxy (each proxy
// appends the address it received the request from, so everything left of the first untrusted hop
// may have been written by the client), and X-Forwarded-Proto names the scheme. From any other
// peer both headers are ignored and the peer is the client. Private to the http layer.
//
// Thread safety: a NetworkList is immutable after parse(); use it from any thread.
#pragma once

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"

namespace ssooidc::http {

class NetworkList {
 public:
  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). IPv4-mapped IPv6 peers match
  // IPv4 networks. A message naming the bad entry otherwise.
  static std::expected<NetworkList, std::string> parse(const std::vector<std::string>& cidrs);

  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return networks_.empty(); }

 private:
  struct Network {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the IPv4-mapped IPv6 form
    int prefix_bits = 0;                   // counted over the 128-bit form
  };
  std::vector<Network> networks_;
};

// The address in the text form requests carry: IPv4-mapped IPv6 addresses as plain IPv4.
std::string address_text(const boost::asio::ip::address& address);

struct ClientOrigin {
  std::string address;      // text form (address_text)
  std::optional<bool> tls;  // set when a trusted proxy said http or https
};

// The client of `request` received from `peer` (see the file comment).
ClientOrigin client_origin(const boost::asio::ip::address& peer, const core::HttpRequest& request,
                           const NetworkList& trusted);
// The same with `peer_text` = address_text(peer), which a connection formats once for all its
// requests (inet_ntop was a few percent of a poll's CPU).
ClientOrigin client_origin(const boost::asio::ip::address& peer, std::string_view peer_text,
                           const core::HttpRequest& request, const NetworkList& trusted);

}  // namespace ssooidc::http
