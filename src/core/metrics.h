// Metrics: the one registry of what the server counts, exposed in the Prometheus text format
// 0.0.4 (issue 13). Every label value comes from a fixed list compiled in here: an operation is
// one of `Operation`, an outcome is one of the AWS error shapes below or an HTTP status code, so a
// stranger cannot grow the set of series.
//
// What is counted:
//   ssooidc_requests_total{operation,outcome}      answered requests; outcome = the
//                                                  x-amzn-ErrorType shape, else the status
//   ssooidc_request_duration_seconds{operation}    histogram of the handler's time
//   ssooidc_logins_total{decision="allowed|denied"} device authorizations decided on the page
//   ssooidc_sign_in_failures_total                 wrong name or password on the sign-in page
//   ssooidc_rate_limit_rejections_total            SlowDownException, TooManyRequestsException,
//                                                  pages answered 429
//   ssooidc_database_errors_total                  answers caused by a storage error
//   gauges registered by the wiring (set_gauge)    e.g. open connections, pending authorizations
//
// Thread safety: record_request, count and exposition may be called from any thread at once
// (relaxed atomics; a scrape may see a request counted but not yet in its histogram). set_gauge
// must be called before serving.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssooidc::core {

// The operations the server tells apart. A request that is none of them is kOther.
enum class Operation : std::uint8_t {
  kRegisterClient,
  kStartDeviceAuthorization,
  kCreateToken,
  kGetRoleCredentials,
  kListAccounts,
  kListAccountRoles,
  kLogout,
  kDevicePage,     // /device...: code entry, sign-in, confirmation, sign-out
  kAuthorizePage,  // /authorize (PKCE)
  kPortalPage,
  kStaticAsset,
  kHealth,
  kReady,
  kMetrics,
  kDiscovery,  // /.well-known/openid-configuration and /.well-known/oauth-authorization-server
  kJwks,
  kRevoke,      // the standard face (src/oauth): RFC 7009
  kIntrospect,  // RFC 7662
  kUserInfo,    // OpenID Connect Core 5.3
  kOther,
};
inline constexpr std::size_t kOperationCount = static_cast<std::size_t>(Operation::kOther) + 1;

// "CreateToken", "device_page", ...: the label value.
[[nodiscard]] std::string_view operation_name(Operation operation) noexcept;

enum class MetricEvent : std::uint8_t {
  kLoginAllowed,
  kLoginDenied,
  kSignInFailure,
  kRateLimitRejection,
  kDatabaseError,
};

class Metrics {
 public:
  // Upper bounds of the latency histogram, in seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1.0,    5.0};

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts one answered request. `error_type` is the response's x-amzn-ErrorType (the shape,
  // optionally followed by ":namespace"), empty when there is none; a shape not in the known list
  // counts as "OtherError". `status` outside 100..599 counts as 500. Also counts a rate-limit
  // rejection for SlowDownException, TooManyRequestsException and status 429.
  void record_request(Operation operation, std::string_view error_type, int status,
                      std::uint64_t duration_us) noexcept;
  void count(MetricEvent event) noexcept;

  // A gauge read at every scrape. `name` and `help` must be constants; `read` must be
  // thread-safe, quick and must not block (no database): nullopt leaves the gauge out of that
  // scrape.
  void set_gauge(std::string name, std::string help,
                 std::function<std::optional<std::int64_t>()> read);
  // The same for a counter kept elsewhere (e.g. the transport's), exposed with TYPE counter.
  void set_counter(std::string name, std::string help,
                   std::function<std::optional<std::int64_t>()> read);

  // The exposition text (Content-Type: text/plain; version=0.0.4).
  [[nodiscard]] std::string exposition() const;

  // For tests: the current value of one request counter / event.
  [[nodiscard]] std::uint64_t requests(Operation operation, std::string_view outcome) const noexcept;
  [[nodiscard]] std::uint64_t events(MetricEvent event) const noexcept;

 private:
  // Outcome slots: the known shapes, "OtherError", then one per status 100..599.
  static constexpr std::size_t kShapeCount = 19;
  static constexpr std::size_t kStatusBase = kShapeCount + 1;
  static constexpr std::size_t kOutcomeCount = kStatusBase + 500;
  static constexpr std::size_t kEventCount = 5;

  [[nodiscard]] static std::size_t outcome_slot(std::string_view error_type, int status) noexcept;
  [[nodiscard]] static std::string outcome_label(std::size_t slot);

  struct PerOperation {
    std::array<std::atomic<std::uint64_t>, kOutcomeCount> outcomes{};
    std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};  // last: +Inf only
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_us{0};
  };
  struct Gauge {
    std::string name;
    std::string help;
    std::function<std::optional<std::int64_t>()> read;
    bool counter = false;
  };

  std::array<PerOperation, kOperationCount> operations_{};
  std::array<std::atomic<std::uint64_t>, kEventCount> events_{};
  std::vector<Gauge> gauges_;
};

}  // namespace ssooidc::core
