// Issue 12: a stalled database does not stop the requests that need none. The real Application
// and http::Server on 127.0.0.1:0, with a handler pool, over a FaultyStorage that makes every
// storage call block (stall) until the test releases it.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "server/application.h"
#include "storage/storage.h"
#include "testing/faulty_storage.h"
#include "testing/http_connection.h"

namespace ssooidc {
namespace {

using namespace std::chrono_literals;

using Answer = test_support::RawResponse;

// One HTTP/1.1 connection whose every wait is bounded (10 s), so a server that does not answer
// fails the test instead of hanging it.
class Connection : public test_support::HttpConnection {
 public:
  using HttpConnection::HttpConnection;
  std::optional<Answer> receive() { return read_response(10s); }
  std::optional<Answer> exchange(const std::string& request) {
    send(request);
    return receive();
  }
};

std::string get(std::string_view path) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

std::string register_client() {
  const std::string body = R"({"clientName":"stalled","clientType":"public"})";
  return "POST /client/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

template <typename Condition>
bool eventually(Condition condition) {
  for (int i = 0; i < 10'000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

class StalledDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::open_storage("memory:");
    ASSERT_TRUE(opened);
    inner_ = std::move(*opened);
    faulty_ = std::make_unique<test_support::FaultyStorage>(*inner_);
    app_ = std::make_unique<server::Application>(*faulty_, domain::Settings{});
    http::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.handler_threads = 2;
    options.handler_queue_limit = 2;
    options.runs_inline = [](const core::HttpRequest& req) {
      return !server::Application::needs_database(req);
    };
    options.error_response = [this](int status, std::string_view description) {
      return app_->transport_error(status, description);
    };
    server_ = std::make_unique<http::Server>(
        options, [this](const core::HttpRequest& req) { return app_->handle(req); });
    auto port = server_->bind();
    ASSERT_TRUE(port);
    port_ = *port;
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    faulty_->release();
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    app_.reset();
  }

  std::unique_ptr<storage::Storage> inner_;
  std::unique_ptr<test_support::FaultyStorage> faulty_;
  std::unique_ptr<server::Application> app_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(StalledDatabaseTest, RequestsWithoutDatabaseAreServedWhileEveryHandlerIsBlocked) {
  Connection warm(port_);
  auto registered = warm.exchange(register_client());
  ASSERT_TRUE(registered);
  EXPECT_EQ(registered->status, 200);

  faulty_->stall();
  // Two RegisterClient calls occupy both handler threads inside storage; two more fill the queue.
  std::vector<std::unique_ptr<Connection>> blocked;
  for (int i = 0; i < 2; ++i) {
    blocked.push_back(std::make_unique<Connection>(port_));
    blocked.back()->send(register_client());
  }
  ASSERT_TRUE(eventually([&] { return faulty_->stalled_calls() >= 2; }));
  for (int i = 0; i < 2; ++i) {
    blocked.push_back(std::make_unique<Connection>(port_));
    blocked.back()->send(register_client());
  }
  ASSERT_TRUE(eventually([&] { return server_->queued_requests() == 2; }));

  // The next one that needs the database is refused at once, in the AWS shape botocore retries.
  Connection refused(port_);
  auto busy = refused.exchange(register_client());
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_NE(busy->head.find("x-amzn-ErrorType: InternalServerException"), std::string::npos)
      << busy->head;

  // Those that need none are answered on the I/O thread meanwhile, on the blocked connection's
  // neighbours and on a fresh one alike.
  Connection free(port_);
  auto health = free.exchange(get("/healthz"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  auto style = free.exchange(get("/static/style.css"));
  ASSERT_TRUE(style);
  EXPECT_EQ(style->status, 200);
  EXPECT_FALSE(style->body.empty());
  auto discovery = free.exchange(get("/.well-known/openid-configuration"));
  ASSERT_TRUE(discovery);
  EXPECT_EQ(discovery->status, 200);
  auto metrics = free.exchange(get("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find(
                "ssooidc_requests_total{operation=\"RegisterClient\",outcome=\"200\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("ssooidc_requests_total{operation=\"healthz\",outcome=\"200\"} 1\n"),
            std::string::npos)
      << metrics->body;

  // Released, every blocked request completes.
  faulty_->release();
  for (auto& connection : blocked) {
    auto answered = connection->receive();
    ASSERT_TRUE(answered);
    EXPECT_EQ(answered->status, 200) << answered->body;
  }
  EXPECT_EQ(app_->metrics().requests(core::Operation::kRegisterClient, "200"), 5u);
}

TEST_F(StalledDatabaseTest, ReadyzReportsTheDatabaseFailing) {
  Connection connection(port_);
  auto ready = connection.exchange(get("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ready\n");

  faulty_->fail_from_call(1);
  auto down = connection.exchange(get("/readyz"));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_TRUE(down->body.starts_with("not ready: the database does not answer (storage: "))
      << down->body;
  auto health = connection.exchange(get("/healthz"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);  // the process still serves
  EXPECT_EQ(app_->metrics().events(core::MetricEvent::kDatabaseError), 1u);
}

}  // namespace
}  // namespace ssooidc
