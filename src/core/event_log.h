// The one seam for security events: sign-in failures, lockouts, device approvals and denials,
// refresh-token reuse, revoked token families. Services and pages name what happened and to
// whom; the sink (the server's log, server/log_format.h) decides the line's format.
//
// What may go in a field: user names, client ids, addresses, counts, reasons. Never a token,
// a code (device, user or authorization code), a password or a secret: callers pass only values
// that may be written to a log, and tests/operations/test_logs.py checks a whole login's log for them.
//
// Thread safety: record() is called from any I/O thread at once; implementations must be
// thread-safe and must not throw.
#pragma once

#include <initializer_list>
#include <string_view>

namespace ssooidc::core {

struct EventField {
  std::string_view name;
  std::string_view value;
};

class EventLog {
 public:
  virtual ~EventLog() = default;
  // `event` is a constant dotted name such as "signin.failed".
  virtual void record(std::string_view event, std::initializer_list<EventField> fields) = 0;
};

// Records through `log` when there is one (services built without a log, as in unit tests, log
// nothing).
inline void record_event(EventLog* log, std::string_view event,
                         std::initializer_list<EventField> fields) {
  if (log != nullptr) log->record(event, fields);
}

}  // namespace ssooidc::core
