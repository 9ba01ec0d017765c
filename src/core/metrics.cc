#include "core/metrics.h"

#include <cstdio>

namespace ssooidc::core {

namespace {

// Every shape the API and the portal answer with (api/error_response.cc, portal/error_response.cc).
constexpr std::array<std::string_view, 19> kShapes = {
    "AccessDeniedException",         "AuthorizationPendingException",
    "ExpiredTokenException",         "InternalServerException",
    "InvalidClientException",        "InvalidClientMetadataException",
    "InvalidGrantException",         "InvalidRedirectUriException",
    "InvalidRequestException",       "InvalidRequestRegionException",
    "InvalidScopeException",         "MethodNotAllowedException",
    "ResourceNotFoundException",     "SlowDownException",
    "TooManyRequestsException",      "UnauthorizedClientException",
    "UnauthorizedException",         "UnsupportedGrantTypeException",
    "UnknownOperationException",
};

constexpr std::array<std::string_view, kOperationCount> kOperationNames = {
    "RegisterClient", "StartDeviceAuthorization", "CreateToken", "GetRoleCredentials",
    "ListAccounts",   "ListAccountRoles",         "Logout",      "device_page",
    "authorize_page", "portal_page",              "static",      "healthz",
    "readyz",         "metrics",                  "openid_configuration", "jwks",
    "revoke",         "introspect",               "userinfo",    "other",
};

constexpr std::array<std::string_view, 5> kEventNames = {
    "ssooidc_logins_total{decision=\"allowed\"}",
    "ssooidc_logins_total{decision=\"denied\"}",
    "ssooidc_sign_in_failures_total",
    "ssooidc_rate_limit_rejections_total",
    "ssooidc_database_errors_total",
};

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", seconds);
  return text;
}

void append_counter(std::string& out, std::string_view name, std::string_view labels,
                    std::uint64_t value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string_view operation_name(Operation operation) noexcept {
  const auto index = static_cast<std::size_t>(operation);
  return index < kOperationNames.size() ? kOperationNames[index] : "other";
}

std::size_t Metrics::outcome_slot(std::string_view error_type, int status) noexcept {
  if (!error_type.empty()) {
    // The SSO OIDC API sends "Shape:http://internal.amazon.com/coral/...", the portal "Shape".
    const std::string_view shape = error_type.substr(0, error_type.find(':'));
    for (std::size_t i = 0; i < kShapes.size(); ++i)
      if (kShapes[i] == shape) return i;
    return kShapeCount;  // OtherError
  }
  if (status < 100 || status > 599) status = 500;
  return kStatusBase + static_cast<std::size_t>(status - 100);
}

std::string Metrics::outcome_label(std::size_t slot) {
  if (slot < kShapeCount) return std::string(kShapes[slot]);
  if (slot == kShapeCount) return "OtherError";
  return std::to_string(100 + (slot - kStatusBase));
}

void Metrics::record_request(Operation operation, std::string_view error_type, int status,
                             std::uint64_t duration_us) noexcept {
  auto index = static_cast<std::size_t>(operation);
  if (index >= kOperationCount) index = kOperationCount - 1;
  PerOperation& op = operations_[index];
  const std::size_t slot = outcome_slot(error_type, status);
  op.outcomes[slot].fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(duration_us) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  op.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  op.count.fetch_add(1, std::memory_order_relaxed);
  op.sum_us.fetch_add(duration_us, std::memory_order_relaxed);
  const std::string_view label = slot < kShapeCount ? kShapes[slot] : std::string_view();
  if (label == "SlowDownException" || label == "TooManyRequestsException" ||
      (error_type.empty() && status == 429))
    count(MetricEvent::kRateLimitRejection);
}

void Metrics::count(MetricEvent event) noexcept {
  const auto index = static_cast<std::size_t>(event);
  if (index < events_.size()) events_[index].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::set_gauge(std::string name, std::string help,
                        std::function<std::optional<std::int64_t>()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read), false});
}

void Metrics::set_counter(std::string name, std::string help,
                          std::function<std::optional<std::int64_t>()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read), true});
}

std::uint64_t Metrics::requests(Operation operation, std::string_view outcome) const noexcept {
  const auto index = static_cast<std::size_t>(operation);
  if (index >= kOperationCount) return 0;
  int status = 0;
  std::size_t slot = kOutcomeCount;
  if (!outcome.empty() && outcome.front() >= '1' && outcome.front() <= '5') {
    for (char c : outcome) status = status * 10 + (c - '0');
    slot = outcome_slot({}, status);
  } else {
    slot = outcome_slot(outcome, 0);
  }
  return operations_[index].outcomes[slot].load(std::memory_order_relaxed);
}

std::uint64_t Metrics::events(MetricEvent event) const noexcept {
  const auto index = static_cast<std::size_t>(event);
  return index < events_.size() ? events_[index].load(std::memory_order_relaxed) : 0;
}

std::string Metrics::exposition() const {
  std::string out;
  out.reserve(8192);
  out +=
      "# HELP ssooidc_requests_total Requests answered, by operation and outcome (the "
      "x-amzn-ErrorType shape, else the HTTP status).\n"
      "# TYPE ssooidc_requests_total counter\n";
  for (std::size_t op = 0; op < kOperationCount; ++op) {
    for (std::size_t slot = 0; slot < kOutcomeCount; ++slot) {
      const std::uint64_t value = operations_[op].outcomes[slot].load(std::memory_order_relaxed);
      if (value == 0) continue;
      const std::string labels = "operation=\"" + std::string(kOperationNames[op]) +
                                 "\",outcome=\"" + outcome_label(slot) + "\"";
      append_counter(out, "ssooidc_requests_total", labels, value);
    }
  }

  out +=
      "# HELP ssooidc_request_duration_seconds Time the request handler took, by operation.\n"
      "# TYPE ssooidc_request_duration_seconds histogram\n";
  for (std::size_t op = 0; op < kOperationCount; ++op) {
    const PerOperation& per = operations_[op];
    const std::uint64_t count = per.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    const std::string operation = "operation=\"" + std::string(kOperationNames[op]) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += per.buckets[b].load(std::memory_order_relaxed);
      const std::string le = b < kBuckets.size() ? seconds_text(kBuckets[b]) : "+Inf";
      std::string labels = operation;
      labels += ",le=\"";
      labels += le;
      labels += '"';
      append_counter(out, "ssooidc_request_duration_seconds_bucket", labels, cumulative);
    }
    out += "ssooidc_request_duration_seconds_sum{" + operation + "} " +
           seconds_text(static_cast<double>(per.sum_us.load(std::memory_order_relaxed)) / 1e6) +
           "\n";
    // The count is the +Inf bucket, read once, so that the two always agree.
    append_counter(out, "ssooidc_request_duration_seconds_count", operation, cumulative);
  }

  out +=
      "# HELP ssooidc_logins_total Device authorizations decided on the confirmation page.\n"
      "# TYPE ssooidc_logins_total counter\n";
  append_counter(out, kEventNames[0], {}, events_[0].load(std::memory_order_relaxed));
  append_counter(out, kEventNames[1], {}, events_[1].load(std::memory_order_relaxed));
  out +=
      "# HELP ssooidc_sign_in_failures_total Sign-ins refused for a wrong user name or "
      "password.\n"
      "# TYPE ssooidc_sign_in_failures_total counter\n";
  append_counter(out, kEventNames[2], {}, events_[2].load(std::memory_order_relaxed));
  out +=
      "# HELP ssooidc_rate_limit_rejections_total Requests refused by a rate limit "
      "(SlowDownException, TooManyRequestsException, pages answered 429).\n"
      "# TYPE ssooidc_rate_limit_rejections_total counter\n";
  append_counter(out, kEventNames[3], {}, events_[3].load(std::memory_order_relaxed));
  out +=
      "# HELP ssooidc_database_errors_total Requests answered with an error because storage "
      "failed.\n"
      "# TYPE ssooidc_database_errors_total counter\n";
  append_counter(out, kEventNames[4], {}, events_[4].load(std::memory_order_relaxed));

  for (const Gauge& gauge : gauges_) {
    std::optional<std::int64_t> value;
    try {
      value = gauge.read();
    } catch (...) {
      value.reset();
    }
    if (!value) continue;
    out += "# HELP " + gauge.name + " " + gauge.help + "\n# TYPE " + gauge.name +
           (gauge.counter ? " counter\n" : " gauge\n") + gauge.name + " " +
           std::to_string(*value) + "\n";
  }
  return out;
}

}  // namespace ssooidc::core
