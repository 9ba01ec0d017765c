// Tunables of the authorization server, with the real service's values as defaults.
#pragma once

#include <cstdint>
#include <string>

namespace ssooidc::domain {

struct Settings {
  // Base URL people and clients reach the server at, without a trailing slash.
  std::string public_url = "http://127.0.0.1:8080";
  // Path of the page where a person types the user code.
  std::string verification_path = "/device";
  std::int32_t device_code_ttl_seconds = 600;  // StartDeviceAuthorization expiresIn
  std::int32_t poll_interval_seconds = 1;      // StartDeviceAuthorization interval; 0 = no slow_down
  std::int64_t registration_ttl_seconds = 90LL * 24 * 3600;
  std::int32_t access_token_ttl_seconds = 3600;          // scoped (refreshable) registrations
  std::int32_t legacy_access_token_ttl_seconds = 28800;  // unscoped registrations, no refresh
  // How long a login can be kept alive by refreshing: refresh tokens of one family all expire this
  // long after the person approved (IAM Identity Center's default session duration is 8 hours).
  std::int64_t session_ttl_seconds = 8LL * 3600;
  // Authorization codes of the PKCE flow (RFC 6749 4.1.2 recommends at most 10 minutes).
  std::int32_t authorization_code_ttl_seconds = 300;
  // ID tokens: lifetime, and how long one ES256 key signs before a new one takes over. A retired
  // key stays in the JWKS until every ID token it signed has expired.
  std::int32_t id_token_ttl_seconds = 3600;
  std::int64_t signing_key_rotation_seconds = 30LL * 24 * 3600;

  // SSO portal API (domain/portal_service.h). Requests per access token: a bucket of
  // `portal_burst` requests refilled at `portal_requests_per_second`; past it, 429.
  std::int32_t portal_requests_per_second = 20;
  std::int32_t portal_burst = 100;
  // How long the portal keeps an accepted token and a user's assignments in memory (0: not at
  // all); see domain/portal_service.h.
  std::int32_t portal_cache_ms = 1000;
  // A role's `command` credential source: how long the program may run and how much it may print.
  std::int32_t credential_command_timeout_ms = 10'000;
  std::int32_t credential_command_max_output_bytes = 64 * 1024;
  // Credential records are kept this long, then purged.
  std::int64_t credential_record_retention_seconds = 90LL * 24 * 3600;
  // Per client address (IPv6: per /64), requests a minute, with as many allowed at once; past
  // them SlowDownException. 0 = unlimited. A person registers a tool once per registration_ttl and
  // starts a login a few times a day; these leave room for a large office behind one NAT address
  // while bounding what a flood from one address can add to the database (item 6 of issue 11).
  std::int32_t register_client_per_minute = 60;
  // A retried refresh or device-code redemption (same client, same secret) within this many
  // seconds of the first gets the first's response again instead of reuse detection
  // (domain/retry_grace.h). 0 disables.
  std::int32_t retry_grace_seconds = 5;
  std::int32_t start_device_authorization_per_minute = 120;

  // The CI test mode (serve --test-mode, README "Testing SSO logins in CI"): the server's wiring
  // adds the scripted admin API and services consult ServiceGraph::test_controls. Off in
  // production; the server refuses it on a non-loopback address unless told otherwise.
  bool test_mode = false;
  // Test mode: every device authorization is approved as this user the moment it starts, and
  // /authorize grants consent for this user without a page. Empty: people decide as usual.
  std::string auto_approve_user;
};

}  // namespace ssooidc::domain
