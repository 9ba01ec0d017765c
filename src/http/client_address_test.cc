#include "http/client_address.h"

#include <gtest/gtest.h>

namespace ssooidc::http {
namespace {

namespace asio = boost::asio;

asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

core::HttpRequest with_headers(std::vector<std::pair<std::string, std::string>> headers) {
  core::HttpRequest request;
  request.headers = std::move(headers);
  return request;
}

NetworkList networks(std::vector<std::string> cidrs) {
  auto list = NetworkList::parse(cidrs);
  EXPECT_TRUE(list) << list.error();
  return list.value_or(NetworkList{});
}

TEST(NetworkListTest, MatchesPrefixesOfBothFamilies) {
  const NetworkList list = networks({"10.0.0.0/8", "192.168.1.7", "2001:db8::/33", " 172.16.0.0/12 "});
  EXPECT_TRUE(list.contains(ip("10.255.0.1")));
  EXPECT_TRUE(list.contains(ip("::ffff:10.1.2.3")));  // IPv4-mapped
  EXPECT_TRUE(list.contains(ip("192.168.1.7")));
  EXPECT_FALSE(list.contains(ip("192.168.1.8")));
  EXPECT_TRUE(list.contains(ip("172.31.255.255")));
  EXPECT_FALSE(list.contains(ip("172.32.0.0")));
  EXPECT_TRUE(list.contains(ip("2001:db8:7fff::1")));
  EXPECT_FALSE(list.contains(ip("2001:db8:8000::1")));
  EXPECT_FALSE(list.contains(ip("11.0.0.1")));
}

TEST(NetworkListTest, RefusesBadEntries) {
  for (std::string bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "nonsense", "::/129", "1.2.3/8"}) {
    auto list = NetworkList::parse({bad});
    ASSERT_FALSE(list) << bad;
    EXPECT_NE(list.error().find(bad), std::string::npos) << list.error();
  }
}

TEST(ClientOriginTest, UntrustedPeerIsTheClientWhateverItClaims) {
  const NetworkList trusted = networks({"10.0.0.0/8"});
  auto origin = client_origin(ip("203.0.113.9"),
                              with_headers({{"X-Forwarded-For", "198.51.100.1"},
                                            {"X-Forwarded-Proto", "https"}}),
                              trusted);
  EXPECT_EQ(origin.address, "203.0.113.9");
  EXPECT_FALSE(origin.tls);
  // No trusted proxies configured: the same.
  origin = client_origin(ip("10.0.0.1"), with_headers({{"X-Forwarded-For", "198.51.100.1"}}),
                         NetworkList{});
  EXPECT_EQ(origin.address, "10.0.0.1");
}

TEST(ClientOriginTest, TrustedPeerGivesRightMostUntrustedHop) {
  const NetworkList trusted = networks({"10.0.0.0/8"});
  // The client wrote "1.1.1.1" itself; the proxies appended what they saw.
  auto origin = client_origin(
      ip("10.0.0.2"),
      with_headers({{"X-Forwarded-For", "1.1.1.1, 198.51.100.7"},
                    {"x-forwarded-for", "10.0.0.5"},
                    {"X-Forwarded-Proto", "https"}}),
      trusted);
  EXPECT_EQ(origin.address, "198.51.100.7");
  EXPECT_EQ(origin.tls, std::optional<bool>(true));

  origin = client_origin(ip("::ffff:10.0.0.2"),
                         with_headers({{"X-Forwarded-For", "[2001:db8::5]:443"},
                                       {"X-Forwarded-Proto", "http"}}),
                         trusted);
  EXPECT_EQ(origin.address, "2001:db8::5");
  EXPECT_EQ(origin.tls, std::optional<bool>(false));

  origin = client_origin(ip("10.0.0.2"), with_headers({{"X-Forwarded-For", "198.51.100.7:5678"}}),
                         trusted);
  EXPECT_EQ(origin.address, "198.51.100.7");
}

TEST(ClientOriginTest, GarbageFromTheProxyKeepsThePeer) {
  const NetworkList trusted = networks({"10.0.0.0/8"});
  for (std::string header : {"", "not-an-ip", "10.0.0.3, garbage", "10.0.0.3"}) {
    auto origin =
        client_origin(ip("10.0.0.2"), with_headers({{"X-Forwarded-For", header}}), trusted);
    EXPECT_EQ(origin.address, "10.0.0.2") << header;
  }
  auto origin = client_origin(ip("10.0.0.2"), with_headers({}), trusted);
  EXPECT_EQ(origin.address, "10.0.0.2");
  EXPECT_FALSE(origin.tls);
}

}  // namespace
}  // namespace ssooidc::http
