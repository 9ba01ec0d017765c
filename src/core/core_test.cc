#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/completion_batch.h"
#include "core/http_message.h"
#include "core/json_text.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/request_id.h"
#include "core/url.h"
#include "ssooidc/error.h"
#include "testing/fake_random.h"

namespace ssooidc {
namespace {

TEST(ErrorTest, ShapesCodesAndStatusesFollowTheModel) {
  EXPECT_EQ(shape_name(ErrorType::kInvalidClient), "InvalidClientException");
  EXPECT_EQ(Error::make(ErrorType::kInvalidClient, "").http_status, 401);
  EXPECT_EQ(Error::make(ErrorType::kInternalServer, "").http_status, 500);
  EXPECT_EQ(oauth_code(ErrorType::kInternalServer), "server_error");
  EXPECT_EQ(oauth_code(ErrorType::kInvalidRequestRegion), "invalid_request");
  EXPECT_EQ(Error::make(ErrorType::kSlowDown, "").http_status, 400);
  EXPECT_EQ(error_type_from_shape("SlowDownException"), ErrorType::kSlowDown);
  EXPECT_EQ(error_type_from_shape("TransportError"), std::nullopt);
  EXPECT_EQ(error_type_from_shape("Nope"), std::nullopt);
  auto e = Error::make(ErrorType::kInvalidGrant, "Invalid refresh token provided");
  EXPECT_EQ(e.error, "invalid_grant");
  EXPECT_EQ(e.http_status, 400);
}

// Issue 15: a thread completing many requests wakes each target once, at the end of its batch.
using core::CompletionBatch;

struct WakeCounter {
  std::vector<int>* log;
  int id;
  static void wake(void* target) noexcept {
    auto& self = *static_cast<WakeCounter*>(target);
    self.log->push_back(self.id);
  }
};

TEST(CompletionBatchTest, WakesEachTargetOnceWhenTheOutermostBatchEnds) {
  std::vector<int> log;
  WakeCounter one{&log, 1};
  WakeCounter two{&log, 2};
  CompletionBatch::wake(&one, &WakeCounter::wake);  // no batch: at once
  EXPECT_EQ(log, std::vector<int>{1});
  log.clear();
  {
    const CompletionBatch batch;
    CompletionBatch::wake(&two, &WakeCounter::wake);
    CompletionBatch::wake(&one, &WakeCounter::wake);
    {
      const CompletionBatch nested;
      CompletionBatch::wake(&two, &WakeCounter::wake);
    }
    EXPECT_TRUE(log.empty());  // the nested scope's end is not the batch's
    CompletionBatch::wake(&one, &WakeCounter::wake);
  }
  EXPECT_EQ(log, (std::vector<int>{2, 1}));  // once each, in the order first asked for
  log.clear();
  // Another thread's batch is its own: a wake there is not held by this thread's.
  {
    const CompletionBatch batch;
    std::thread([&] { CompletionBatch::wake(&one, &WakeCounter::wake); }).join();
    EXPECT_EQ(log, std::vector<int>{1});
  }
  EXPECT_EQ(log, std::vector<int>{1});
}

TEST(CompletionBatchTest, PastItsBoundATargetIsWokenAtOnce) {
  std::vector<int> log;
  std::vector<WakeCounter> targets;
  for (int i = 0; i <= CompletionBatch::kMaxTargets; ++i) targets.push_back({&log, i});
  {
    const CompletionBatch batch;
    for (auto& target : targets) CompletionBatch::wake(&target, &WakeCounter::wake);
    EXPECT_EQ(log, std::vector<int>{CompletionBatch::kMaxTargets});
  }
  ASSERT_EQ(log.size(), targets.size());
  for (int i = 0; i < CompletionBatch::kMaxTargets; ++i) EXPECT_EQ(log[i + 1], i);
}

TEST(FakeClockTest, AdvancesOnlyWhenTold) {
  core::FakeClock clock(1000);
  EXPECT_EQ(clock.now_epoch_seconds(), 1000);
  clock.advance_millis(1500);
  EXPECT_EQ(clock.now_epoch_seconds(), 1001);
  EXPECT_EQ(clock.monotonic_millis(), 1'001'500);
}

TEST(RandomTest, UniformStaysInBounds) {
  test_support::FakeRandom r;  // 0, 1, 2, ...
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.uniform(20), 20u);
  EXPECT_EQ(r.uniform(1), 0u);
}

// A thread-safe Random that counts its calls, to see when request ids draw from it.
class CountedSeed final : public core::Random {
 public:
  void fill(std::uint8_t* out, std::size_t n) override {
    ++calls;
    std::lock_guard lock(mutex_);
    inner_.fill(out, n);
  }
  std::atomic<int> calls{0};

 private:
  std::mutex mutex_;
  test_support::FakeRandom inner_;
};

TEST(RequestIdTest, LooksLikeAVersion4UuidAndSeedsOncePerThread) {
  CountedSeed seed;
  const std::regex uuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  std::thread([&] {
    for (int i = 0; i < 2000; ++i) {
      std::string id = core::next_request_id(seed);
      EXPECT_TRUE(std::regex_match(id, uuid4)) << id;
      seen.insert(std::move(id));
    }
  }).join();
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(seed.calls.load(), 1);
}

TEST(RequestIdTest, IdsOfManyThreadsAreDistinct) {
  CountedSeed seed;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(core::next_request_id(seed));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(seed.calls.load(), kThreads);
  // Consecutive ids share no obvious structure: not a plain counter in any group.
  EXPECT_NE(ids[0][0].substr(0, 8), ids[0][1].substr(0, 8));
  EXPECT_NE(ids[0][0].substr(24), ids[0][1].substr(24));
}

TEST(HttpMessageTest, HeaderLookupIsCaseInsensitive) {
  core::HttpRequest req;
  req.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("x-missing"), "");
  core::HttpResponse resp;
  resp.set("X-A", "1").set("x-a", "2");
  ASSERT_EQ(resp.headers.size(), 1u);
  EXPECT_EQ(resp.headers[0].second, "2");
}

TEST(MetricsTest, OutcomesComeFromFixedListsOnly) {
  core::Metrics metrics;
  using core::Operation;
  metrics.record_request(Operation::kCreateToken,
                         "AuthorizationPendingException:http://internal.amazon.com/coral/x/", 400,
                         900);
  metrics.record_request(Operation::kCreateToken, "SlowDownException", 400, 1200);
  metrics.record_request(Operation::kCreateToken, "EvilInjected\"}label", 400, 10);
  metrics.record_request(Operation::kDevicePage, {}, 429, 10);
  metrics.record_request(Operation::kDevicePage, {}, 999, 10);  // out of range: counted as 500
  EXPECT_EQ(metrics.requests(Operation::kCreateToken, "AuthorizationPendingException"), 1u);
  EXPECT_EQ(metrics.requests(Operation::kCreateToken, "OtherError"), 1u);
  EXPECT_EQ(metrics.requests(Operation::kDevicePage, "500"), 1u);
  EXPECT_EQ(metrics.events(core::MetricEvent::kRateLimitRejection), 2u);  // SlowDown and 429

  const std::string text = metrics.exposition();
  EXPECT_NE(text.find("ssooidc_requests_total{operation=\"CreateToken\",outcome=\"OtherError\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Evil"), std::string::npos);
  // The histogram is cumulative: 0.0009 s and 0.0012 s land under le=0.001 and le=0.0025.
  EXPECT_NE(text.find("ssooidc_request_duration_seconds_bucket{operation=\"CreateToken\","
                      "le=\"0.001\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ssooidc_request_duration_seconds_bucket{operation=\"CreateToken\","
                      "le=\"0.0025\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ssooidc_request_duration_seconds_count{operation=\"CreateToken\"} 3\n"),
            std::string::npos);
}

TEST(MetricsTest, GaugesAndCountersReadAtScrapeTime) {
  core::Metrics metrics;
  std::int64_t open = 3;
  metrics.set_gauge("ssooidc_test_gauge", "A gauge.", [&]() -> std::optional<std::int64_t> {
    return open;
  });
  metrics.set_counter("ssooidc_test_total", "Left out.", [] { return std::nullopt; });
  std::string text = metrics.exposition();
  EXPECT_NE(text.find("# TYPE ssooidc_test_gauge gauge\nssooidc_test_gauge 3\n"), std::string::npos);
  EXPECT_EQ(text.find("ssooidc_test_total"), std::string::npos);
  open = 4;
  text = metrics.exposition();
  EXPECT_NE(text.find("ssooidc_test_gauge 4\n"), std::string::npos);
}

// What every storage backend keeps as text (PostgreSQL refuses the rest with SQLSTATE 22021).
TEST(StorableTextTest, UnicodeTextWithoutNulOnly) {
  for (const char* ok : {"", "plain", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                          "tab\tand\nnewline", "\x7f"})
    EXPECT_TRUE(core::is_storable_text(ok)) << ok;
  const std::string nul("a\0b", 3);
  EXPECT_FALSE(core::is_storable_text(nul));
  for (const char* bad : {"\xff", "\xc3", "a\xc3(", "\xc0\xaf", "\xed\xa0\x80",
                           "\xf4\x90\x80\x80", "\xe2\x82", "\x80"})
    EXPECT_FALSE(core::is_storable_text(bad)) << bad;
}

// A form decodes '+' and keeps a bad escape; a strict query (the portal's) refuses the escape.
TEST(UrlTest, FormAndStrictDecodingShareOneSplitter) {
  using Items = std::vector<std::pair<std::string_view, std::string_view>>;
  EXPECT_EQ(core::split_query("a=1&b&&c=x%20y+z&d="),
            (Items{{"a", "1"}, {"b", ""}, {"c", "x%20y+z"}, {"d", ""}}));
  EXPECT_EQ(core::percent_decode("x%20y+z%2b"), "x y+z+");
  EXPECT_EQ(core::percent_decode("100%"), std::nullopt);
  EXPECT_EQ(core::percent_decode("%4"), std::nullopt);
  EXPECT_EQ(core::percent_decode("%zz"), std::nullopt);
  EXPECT_EQ(core::form_decode("x%20y+z%zz"), "x y z%zz");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(core::parse_query_pairs("a=1+2&b&a=%41"),
            (Pairs{{"a", "1 2"}, {"b", ""}, {"a", "A"}}));
}

}  // namespace
}  // namespace ssooidc
