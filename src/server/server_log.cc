#include "server/server_log.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/json_text.h"
#include "core/time_format.h"

namespace ssooidc::server {
namespace {

// A text-format value: as it is when it has no space, quote, '=' or control character; else in
// double quotes with '"' and '\\' escaped and control characters as \xHH, so that a field can
// forge neither another field nor another line.
std::string text_value(std::string_view v) {
  if (v.empty()) return "-";
  const bool plain = std::ranges::all_of(v, [](unsigned char c) {
    return c > 0x20 && c != 0x7f && c != '"' && c != '\\' && c != '=';
  });
  if (plain) return std::string(v);
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string ServerLog::access_line(const http::AccessLogEntry& e) const {
  static const core::ResponseLog kNone;
  const core::ResponseLog& log = e.log != nullptr ? *e.log : kNone;
  const std::string ts = core::format_iso8601_utc(std::time(nullptr));
  if (format_ == Format::kText) {
    std::string line = ts + " " + text_value(e.remote) + " " + text_value(e.method) + " " +
                       text_value(e.path) + " " + std::to_string(e.status) + " " +
                       std::to_string(e.bytes) + "B " + std::to_string(e.duration_us) + "us";
    if (!log.operation.empty()) line += " op=" + text_value(log.operation);
    if (!log.error_type.empty()) line += " error=" + text_value(log.error_type);
    if (!log.client_id.empty()) line += " client_id=" + text_value(log.client_id);
    if (!log.request_id.empty()) line += " request_id=" + text_value(log.request_id);
    return line;
  }
  using core::json_quote;
  std::string line = "{\"ts\":\"" + ts + "\",\"remote\":" + json_quote(e.remote) +
                     ",\"method\":" + json_quote(e.method) + ",\"path\":" + json_quote(e.path) +
                     ",\"status\":" + std::to_string(e.status) +
                     ",\"bytes\":" + std::to_string(e.bytes) +
                     ",\"us\":" + std::to_string(e.duration_us);
  if (!log.operation.empty()) line += ",\"op\":" + json_quote(log.operation);
  if (!log.error_type.empty()) line += ",\"error\":" + json_quote(log.error_type);
  if (!log.client_id.empty()) line += ",\"client_id\":" + json_quote(log.client_id);
  if (!log.request_id.empty()) line += ",\"request_id\":" + json_quote(log.request_id);
  return line + "}";
}

std::string ServerLog::event_line(std::string_view event,
                                  std::initializer_list<core::EventField> fields) const {
  const std::string ts = core::format_iso8601_utc(std::time(nullptr));
  if (format_ == Format::kText) {
    std::string line = ts + " event=" + text_value(event);
    for (const auto& f : fields) line += " " + std::string(f.name) + "=" + text_value(f.value);
    return line;
  }
  using core::json_quote;
  std::string line = "{\"ts\":\"" + ts + "\",\"event\":" + json_quote(event);
  for (const auto& f : fields) line += "," + json_quote(f.name) + ":" + json_quote(f.value);
  return line + "}";
}

void ServerLog::access(const http::AccessLogEntry& entry) { write(access_line(entry)); }

void ServerLog::record(std::string_view event, std::initializer_list<core::EventField> fields) {
  write(event_line(event, fields));
}

void ServerLog::notice(std::string_view message) {
  write(event_line("notice", {{"message", message}}));
}

void ServerLog::write(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::fputs((line + "\n").c_str(), stderr);
}

}  // namespace ssooidc::server
