// What the PKCE login's loopback listener answers to one browser request, and whether that
// request ends the wait: the request handling of loopback_listener.h, kept apart from its sockets
// so that it is unit-testable (reference 5.5, "Expected redirect back").
//
// Only GET /oauth/callback with a `code` or an `error` parameter is the authorization response;
// anything else (a favicon, a probe, a stray path) gets a 404/405/400 page and the wait goes on.
// Pages never echo a parameter unescaped, send a strict Content-Security-Policy and
// `Referrer-Policy: no-referrer` (the callback URL holds the code).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::client {

struct CallbackReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Length
  std::string body;
};

struct CallbackVerdict {
  enum class Outcome {
    kIgnored,  // not the authorization response: answer it and keep waiting
    kCode,     // the authorization code, with the expected state
    kFailed,   // the authorization response says no, or its state does not match
  };
  Outcome outcome = Outcome::kIgnored;
  CallbackReply reply;
  std::string code;  // kCode
  Error error;       // kFailed
};

// Decides about one request. `target` is the request-target as sent ("/oauth/callback?code=..").
// On kFailed, `error` is:
//   - the redirected RFC 6749 4.1.2.1 error as its ErrorType (access_denied -> kAccessDenied,
//     "The authorization request was denied."; unknown codes -> kUnknown with `error` set to the
//     code), with error_description in parentheses; http_status as the service would answer;
//   - ErrorType::kInvalidRequest with http_status 0 when the code comes with a missing or
//     different `state` ("State parameter does not match expected value.").
[[nodiscard]] CallbackVerdict handle_callback_request(std::string_view method,
                                                      std::string_view target,
                                                      std::string_view expected_state);

// application/x-www-form-urlencoded decoding of a query string ('+' is a space, %XX a byte), in
// order; a name without '=' has an empty value.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

// & < > " ' as character references.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace ssooidc::client
