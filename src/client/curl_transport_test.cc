// The libcurl transport against a scripted HTTP server on 127.0.0.1:0 (a thread in this test):
// connection reuse, Connection: close, retries through real HTTP, timeouts and the answer limit.
#include "client/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "client/client_internal.h"

namespace ssooidc::client {
namespace {

// Serves one connection at a time; `respond` returns the raw HTTP answer for a raw request, or ""
// to answer nothing.
class StubServer {
 public:
  explicit StubServer(std::function<std::string(const std::string&)> respond)
      : respond_(std::move(respond)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~StubServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  void run() {
    while (wait_readable(listen_fd_)) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      serve(fd);
      ::close(fd);
    }
  }

  void serve(int fd) {
    std::string buffer;
    while (true) {
      // One request: headers, then Content-Length bytes of body.
      std::size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!read_more(fd, buffer)) return;
      }
      std::size_t length = 0;
      auto cl = buffer.find("Content-Length: ");
      if (cl != std::string::npos && cl < header_end) length = std::stoul(buffer.substr(cl + 16));
      while (buffer.size() < header_end + 4 + length) {
        if (!read_more(fd, buffer)) return;
      }
      std::string request = buffer.substr(0, header_end + 4 + length);
      buffer.erase(0, request.size());
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
      }
      std::string answer = respond_(request);
      if (answer.empty()) {  // say nothing until the client gives up
        while (read_more(fd, buffer)) {
        }
        return;
      }
      (void)!::write(fd, answer.data(), answer.size());
      if (request.find("Connection: close") != std::string::npos) return;
    }
  }

  bool read_more(int fd, std::string& buffer) {
    if (!wait_readable(fd)) return false;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  std::function<std::string(const std::string&)> respond_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

std::string http_answer(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "x-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

constexpr const char* kToken = R"({"accessToken":"at","expiresIn":3600,"tokenType":"Bearer"})";

class CurlTransportTest : public ::testing::Test {
 protected:
  Client make(const std::string& url, Config config = {}) {
    env.set_env("AWS_REGION", "us-east-1");
    config.endpoint = url;
    ClientDependencies deps;
    deps.env = &env;
    deps.sleeper = &sleeper;
    auto c = make_client(std::move(config), std::move(deps));  // the real libcurl transport
    EXPECT_TRUE(c.has_value());
    return std::move(*c);
  }
  static CreateTokenRequest request() {
    return {
        .clientId = "c", .clientSecret = "s", .grantType = "refresh_token", .refreshToken = "r"};
  }

  InMemoryEnv env;
  FakeSleeper sleeper;
};

TEST_F(CurlTransportTest, OneClientReusesOneConnection) {
  StubServer server([](const std::string&) { return http_answer(200, kToken); });
  Client c = make(server.url());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.create_token(request()).has_value());
  EXPECT_EQ(server.connections(), 1);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(requests[0].starts_with("POST /token HTTP/1.1\r\n"));
  EXPECT_NE(requests[0].find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(requests[0].find("Host: 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(requests[0].find("Expect:"), std::string::npos);
}

TEST_F(CurlTransportTest, CloseConnectionOpensOneConnectionPerRequest) {
  StubServer server([](const std::string&) { return http_answer(200, kToken); });
  Config config;
  config.close_connection = true;
  Client c = make(server.url(), config);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.create_token(request()).has_value());
  EXPECT_EQ(server.connections(), 3);
  EXPECT_NE(server.requests()[0].find("Connection: close\r\n"), std::string::npos);
}

TEST_F(CurlTransportTest, ServerErrorIsRetriedOverHttp) {
  std::atomic<int> calls{0};
  StubServer server([&](const std::string&) {
    if (calls++ == 0) {
      return http_answer(500, R"({"error":"server_error","error_description":"boom"})",
                         "x-amzn-ErrorType: InternalServerException:ns\r\n");
    }
    return http_answer(200, kToken);
  });
  Client c = make(server.url());
  auto r = c.create_token(request());
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(sleeper.sleeps.size(), 1u);
}

TEST_F(CurlTransportTest, ErrorHeadersAreParsed) {
  StubServer server([](const std::string&) {
    return http_answer(400, R"({"error":"slow_down","error_description":"easy"})",
                       "x-amzn-ErrorType: SlowDownException:http://internal.amazon.com/coral/\r\n");
  });
  Client c = make(server.url());
  auto r = c.create_token(request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kSlowDown);
  EXPECT_EQ(r.error().request_id, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(r.error().error_description, "easy");
}

TEST_F(CurlTransportTest, SilentServerTimesOut) {
  StubServer server([](const std::string&) { return std::string(); });
  Config config;
  config.request_timeout = std::chrono::milliseconds(300);
  config.max_retries = 0;
  Client c = make(server.url(), config);
  const auto start = std::chrono::steady_clock::now();
  auto r = c.create_token(request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kTransport);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(CurlTransportTest, OversizedAnswerIsRefused) {
  StubServer server([](const std::string&) {
    return http_answer(200, "{\"accessToken\":\"" + std::string(2 * 1024 * 1024, 'a') + "\"}");
  });
  Config config;
  config.max_retries = 0;
  Client c = make(server.url(), config);
  auto r = c.create_token(request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kTransport);
  EXPECT_NE(r.error().error_description.find("larger than"), std::string::npos);
}

TEST_F(CurlTransportTest, PortalRequestsOnTheWire) {
  StubServer server([](const std::string& request) {
    return request.starts_with("POST") ? http_answer(200, "")
                                       : http_answer(200, R"({"accountList":[]})");
  });
  env.set_env("AWS_REGION", "us-east-1");
  Config config;
  config.endpoint = server.url();
  ClientDependencies deps;
  deps.env = &env;
  deps.sleeper = &sleeper;
  auto portal = make_portal_client(config, std::move(deps));  // the real libcurl transport
  ASSERT_TRUE(portal.has_value());
  ASSERT_TRUE(portal->list_accounts({.maxResults = 1, .accessToken = "tok"}).has_value());
  ASSERT_TRUE(portal->logout({.accessToken = "tok"}).has_value());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[0].starts_with("GET /assignment/accounts?max_result=1 HTTP/1.1\r\n"))
      << requests[0];
  EXPECT_NE(requests[0].find("x-amz-sso_bearer_token: tok\r\n"), std::string::npos);
  EXPECT_TRUE(requests[1].starts_with("POST /logout HTTP/1.1\r\n")) << requests[1];
  EXPECT_NE(requests[1].find("Content-Length: 0\r\n"), std::string::npos);
  // libcurl's default form Content-Type is suppressed for a request without a body.
  EXPECT_EQ(requests[1].find("Content-Type"), std::string::npos) << requests[1];
}

}  // namespace
}  // namespace ssooidc::client
