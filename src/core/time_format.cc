#include "core/time_format.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace ssooidc::core {
namespace {

struct UtcFields {
  int year;
  unsigned month;    // 1..12
  unsigned day;      // 1..31
  unsigned weekday;  // 0 = Sunday
  int hour;
  int minute;
  int second;
};

UtcFields utc_fields(std::int64_t epoch_seconds) {
  using namespace std::chrono;
  const sys_seconds t{seconds(epoch_seconds)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  return {static_cast<int>(ymd.year()),           static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),       weekday{day}.c_encoding(),
          static_cast<int>(hms.hours().count()),  static_cast<int>(hms.minutes().count()),
          static_cast<int>(hms.seconds().count())};
}

// `pattern` takes year, month, day, hour, minute, second, in that order.
std::string format_numeric(const char* pattern, std::int64_t epoch_seconds) {
  const UtcFields f = utc_fields(epoch_seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, pattern, f.year, f.month, f.day, f.hour, f.minute, f.second);
  return buf;
}

}  // namespace

std::string format_iso8601_utc(std::int64_t epoch_seconds) {
  return format_numeric("%04d-%02u-%02uT%02d:%02d:%02dZ", epoch_seconds);
}

std::string format_iso8601_basic_utc(std::int64_t epoch_seconds) {
  return format_numeric("%04d%02u%02uT%02d%02d%02dZ", epoch_seconds);
}

std::string format_utc_text(std::int64_t epoch_seconds) {
  return format_numeric("%04d-%02u-%02u %02d:%02d:%02d UTC", epoch_seconds);
}

std::string format_imf_fixdate(std::int64_t epoch_seconds) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const UtcFields f = utc_fields(epoch_seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", kDays[f.weekday % 7], f.day,
                kMonths[(f.month + 11) % 12], f.year, f.hour, f.minute, f.second);
  return buf;
}

}  // namespace ssooidc::core
