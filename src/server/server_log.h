// The server's log on standard error: the access log (one line per request) and the security
// events of core::EventLog, in one of two formats:
//   json: {"ts":"2026-12-01T12:00:00Z","remote":"127.0.0.1","method":"POST","path":"/token",
//          "status":400,"bytes":93,"us":412,"op":"CreateToken",
//          "error":"AuthorizationPendingException","client_id":"...","request_id":"..."}
//         {"ts":"...","event":"signin.failed","user":"alice","remote":"127.0.0.1"}
//   text: 2026-12-01T12:00:00Z 127.0.0.1 POST /token 400 93B 412us op=CreateToken
//         error=AuthorizationPendingException client_id=... request_id=...
//         2026-12-01T12:00:00Z event=signin.failed user=alice remote=127.0.0.1
// Fields are what the layers put in core::ResponseLog and the events' fields: never a token,
// code, password or secret (tests/operations/test_logs.py checks a whole login). Text values are
// printed with control characters and spaces escaped, so one event stays one line.
//
// Thread safety: every method may be called from any thread; lines are written whole.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "core/event_log.h"
#include "http/server.h"

namespace ssooidc::server {

class ServerLog : public core::EventLog {
 public:
  enum class Format { kJson, kText };
  explicit ServerLog(Format format) : format_(format) {}

  void access(const http::AccessLogEntry& entry);
  void record(std::string_view event, std::initializer_list<core::EventField> fields) override;
  // A line for the operator (start-up notices such as the test mode's), as the event "notice".
  void notice(std::string_view message);

  // The line an access entry gets (without the newline); public for tests.
  [[nodiscard]] std::string access_line(const http::AccessLogEntry& entry) const;
  [[nodiscard]] std::string event_line(std::string_view event,
                                       std::initializer_list<core::EventField> fields) const;

 private:
  void write(const std::string& line);

  Format format_;
  std::mutex mutex_;
};

}  // namespace ssooidc::server
