#include "http/client_address.h"

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>
#include <charconv>

namespace ssooidc::http {

namespace asio = boost::asio;

namespace {

std::array<std::uint8_t, 16> as_v6_bytes(const asio::ip::address& address) {
  if (address.is_v4())
    return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One X-Forwarded-For element: an address, possibly "[v6]" or "v4:port" as some proxies write.
std::optional<asio::ip::address> parse_hop(std::string_view hop) {
  hop = trim(hop);
  if (hop.starts_with('[')) {
    const auto close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hop = hop.substr(1, close - 1);
  } else if (std::ranges::count(hop, ':') == 1) {
    hop = hop.substr(0, hop.find(':'));
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(hop), ec);
  if (ec) return std::nullopt;
  return address;
}

}  // namespace

std::expected<NetworkList, std::string> NetworkList::parse(const std::vector<std::string>& cidrs) {
  NetworkList list;
  for (const std::string& raw : cidrs) {
    const std::string_view entry = trim(raw);
    if (entry.empty()) continue;
    const auto slash = entry.find('/');
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(std::string(entry.substr(0, slash)), ec);
    if (ec) return std::unexpected("not an IP network: '" + raw + "'");
    const int max_bits = address.is_v4() ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      if (err != std::errc() || end != digits.data() + digits.size() || bits < 0 ||
          bits > max_bits)
        return std::unexpected("bad prefix length in '" + raw + "'");
    }
    Network network;
    network.bytes = as_v6_bytes(address);
    network.prefix_bits = address.is_v4() ? bits + 96 : bits;
    list.networks_.push_back(network);
  }
  return list;
}

bool NetworkList::contains(const asio::ip::address& address) const noexcept {
  const auto bytes = as_v6_bytes(address);
  return std::ranges::any_of(networks_, [&](const Network& n) {
    const int whole = n.prefix_bits / 8;
    if (!std::equal(n.bytes.begin(), n.bytes.begin() + whole, bytes.begin())) return false;
    const int rest = n.prefix_bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (n.bytes[whole] & mask) == (bytes[whole] & mask);
  });
}

std::string address_text(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

ClientOrigin client_origin(const asio::ip::address& peer, const core::HttpRequest& request,
                           const NetworkList& trusted) {
  return client_origin(peer, address_text(peer), request, trusted);
}

ClientOrigin client_origin(const asio::ip::address& peer, std::string_view peer_text,
                           const core::HttpRequest& request, const NetworkList& trusted) {
  ClientOrigin origin{std::string(peer_text), std::nullopt};
  if (trusted.empty() || !trusted.contains(peer)) return origin;

  // Every X-Forwarded-For field, in order, as one comma-separated list (RFC 9110 §5.3).
  std::vector<std::string_view> hops;
  std::string_view proto;
  for (const auto& [name, value] : request.headers) {
    if (core::iequals(name, "X-Forwarded-For")) {
      std::string_view rest = value;
      for (;;) {
        const auto comma = rest.find(',');
        hops.push_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (core::iequals(name, "X-Forwarded-Proto")) {
      proto = value;  // the last one: written by the proxy nearest to us
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const auto hop = parse_hop(*it);
    if (!hop) break;  // a trusted proxy wrote nonsense: keep the peer
    if (trusted.contains(*hop)) continue;
    origin.address = address_text(*hop);
    break;
  }
  if (const auto comma = proto.rfind(','); comma != std::string_view::npos)
    proto = proto.substr(comma + 1);
  proto = trim(proto);
  if (core::iequals(proto, "https")) origin.tls = true;
  if (core::iequals(proto, "http")) origin.tls = false;
  return origin;
}

}  // namespace ssooidc::http
