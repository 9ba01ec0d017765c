// The loopback listener over real HTTP on 127.0.0.1: libcurl plays the browser while
// wait_for_code runs on another thread. No test sleeps; the only timeouts are the listener's own
// deadlines, set short where a test is about them.
#include "client/loopback_listener.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

namespace ssooidc::client {
namespace {

constexpr const char* kListenerState = "6b0ecf3e-4b14-4f5a-9b1e-0f6f2a1d2c3b";

struct Reply {
  long status = 0;
  std::string content_type;
  std::string body;
  std::string error;
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One GET as a browser would send it (curl speaks HTTP/1.1 with CRLF).
Reply get(std::uint16_t port, const std::string& target) {
  Reply r;
  CURL* curl = curl_easy_init();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + target;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (CURLcode rc = curl_easy_perform(curl); rc != CURLE_OK) {
    r.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (type != nullptr) r.content_type = type;
  }
  curl_easy_cleanup(curl);
  return r;
}

// A raw TCP connection to the listener (to send partial or oversized requests).
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& data) { (void)!::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  // Everything until the listener closes the connection.
  std::string read_all() {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) out.append(buffer, n);
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::unique_ptr<LoopbackListener> open_listener(LoopbackOptions options = {}) {
  auto listener = LoopbackListener::open(options);
  EXPECT_TRUE(listener.has_value()) << listener.error().error_description;
  return std::move(*listener);
}

std::future<std::expected<std::string, Error>> wait_async(LoopbackListener& listener) {
  return std::async(std::launch::async, [&listener] { return listener.wait_for_code(kListenerState); });
}

TEST(LoopbackListenerTest, ListensOnAPortTheKernelPicks) {
  auto a = open_listener();
  auto b = open_listener();
  EXPECT_NE(a->port(), 0);
  EXPECT_NE(a->port(), b->port());
}

TEST(LoopbackListenerTest, IgnoresAFaviconThenReturnsTheCode) {
  auto listener = open_listener();
  auto code = wait_async(*listener);

  Reply favicon = get(listener->port(), "/favicon.ico");
  EXPECT_EQ(favicon.error, "");
  EXPECT_EQ(favicon.status, 404);

  Reply callback =
      get(listener->port(), std::string("/oauth/callback?code=abc%2Bdef&state=") + kListenerState);
  EXPECT_EQ(callback.error, "");
  EXPECT_EQ(callback.status, 200);
  EXPECT_EQ(callback.content_type, "text/html; charset=utf-8");
  EXPECT_NE(callback.body.find("Authorization received"), std::string::npos);

  auto result = code.get();
  ASSERT_TRUE(result.has_value()) << result.error().error_description;
  EXPECT_EQ(*result, "abc+def");
}

TEST(LoopbackListenerTest, AnIdleConnectionDoesNotHoldUpTheCallback) {
  // Browsers open speculative connections that never send a request. Were connections served one
  // at a time, this one would block the callback until the overall timeout.
  auto listener = open_listener(
      {.overall_timeout = std::chrono::seconds(60), .request_timeout = std::chrono::seconds(120)});
  auto code = wait_async(*listener);
  RawConnection idle(listener->port());
  ASSERT_TRUE(idle.connected());
  idle.send("GET /oauth/call");  // half a request line, and then nothing

  Reply callback = get(listener->port(), std::string("/oauth/callback?code=c&state=") + kListenerState);
  EXPECT_EQ(callback.status, 200);
  auto result = code.get();
  ASSERT_TRUE(result.has_value()) << result.error().error_description;
  EXPECT_EQ(*result, "c");
}

TEST(LoopbackListenerTest, StateMismatchIsAnErrorAndAFailurePage) {
  auto listener = open_listener();
  auto code = wait_async(*listener);
  Reply callback = get(listener->port(), "/oauth/callback?code=c&state=forged");
  EXPECT_EQ(callback.status, 400);
  EXPECT_NE(callback.body.find("Login failed"), std::string::npos);
  auto result = code.get();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().type, ErrorType::kInvalidRequest);
  EXPECT_NE(result.error().error_description.find("State parameter does not match"),
            std::string::npos);
}

TEST(LoopbackListenerTest, DenialIsAccessDenied) {
  auto listener = open_listener();
  auto code = wait_async(*listener);
  Reply callback =
      get(listener->port(), std::string("/oauth/callback?error=access_denied&state=") + kListenerState);
  EXPECT_EQ(callback.status, 400);
  auto result = code.get();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().type, ErrorType::kAccessDenied);
}

TEST(LoopbackListenerTest, GivesUpAfterTheOverallTimeout) {
  auto listener = open_listener({.overall_timeout = std::chrono::milliseconds(50)});
  auto result = listener->wait_for_code(kListenerState);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().type, ErrorType::kExpiredToken);
  EXPECT_EQ(result.error().http_status, 0);
  EXPECT_EQ(
      result.error().error_description,
      "No authorization response reached http://127.0.0.1:" + std::to_string(listener->port()) +
          "/oauth/callback within 50 ms. The login flow to retrieve an SSO token must be "
          "restarted.");
}

TEST(LoopbackListenerTest, AnIncompleteRequestIsDroppedAfterTheRequestTimeout) {
  auto listener = open_listener({.request_timeout = std::chrono::milliseconds(100)});
  auto code = wait_async(*listener);
  RawConnection slow(listener->port());
  ASSERT_TRUE(slow.connected());
  slow.send("GET /oauth/callback?code=c&state=");
  EXPECT_EQ(slow.read_all().rfind("HTTP/1.1 408 ", 0), 0u);  // returns when the listener closes

  Reply callback = get(listener->port(), std::string("/oauth/callback?code=c&state=") + kListenerState);
  EXPECT_EQ(callback.status, 200);
  EXPECT_TRUE(code.get().has_value());
}

TEST(LoopbackListenerTest, OversizedAndMalformedRequestsAreRefused) {
  auto listener = open_listener({.max_request_bytes = 1024});
  auto code = wait_async(*listener);
  {
    RawConnection big(listener->port());
    // More than the limit, but less than one read: nothing is left unread when it closes.
    big.send("GET /oauth/callback?code=" + std::string(2000, 'a'));
    EXPECT_EQ(big.read_all().rfind("HTTP/1.1 431 ", 0), 0u);
  }
  {
    RawConnection garbage(listener->port());
    garbage.send("HELLO\r\n\r\n");
    EXPECT_EQ(garbage.read_all().rfind("HTTP/1.1 400 ", 0), 0u);
  }
  Reply callback = get(listener->port(), std::string("/oauth/callback?code=c&state=") + kListenerState);
  EXPECT_EQ(callback.status, 200);
  EXPECT_TRUE(code.get().has_value());
}

}  // namespace
}  // namespace ssooidc::client
