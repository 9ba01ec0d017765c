// The device flow's steps as the domain fixtures take them, through the services (RFC 8628):
// register a public client, start a device authorization, and the CreateToken requests that
// poll it or refresh its token. One copy for every fixture; each passes what its tests need.
//
// Thread safety: as the services they call.
#pragma once

#include <gtest/gtest.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/client_service.h"
#include "domain/device_service.h"
#include "domain/service_graph.h"
#include "ssooidc/types.h"

namespace ssooidc::test_support {

inline constexpr std::string_view kStartUrl = "https://d-1.awsapps.com/start";

// RegisterClient for a public client named `name`; a failure fails the test.
inline RegisterClientResponse register_public_client(
    domain::ClientService& clients, std::optional<std::vector<std::string>> scopes = std::nullopt,
    std::string name = "test") {
  RegisterClientRequest r{.clientName = std::move(name), .clientType = "public",
                          .scopes = std::move(scopes)};
  auto resp = clients.register_client(r);
  EXPECT_TRUE(resp.has_value());
  return resp.value_or(RegisterClientResponse{});
}

// StartDeviceAuthorization for `c` from `requester_address`; a failure fails the test.
inline StartDeviceAuthorizationResponse start_device(domain::DeviceService& devices,
                                                     const RegisterClientResponse& c,
                                                     std::string_view requester_address) {
  auto resp = devices.start({*c.clientId, *c.clientSecret, std::string(kStartUrl)},
                            requester_address);
  EXPECT_TRUE(resp.has_value());
  return resp.value_or(StartDeviceAuthorizationResponse{});
}

// The CreateToken request of `c` with the device_code grant (`device_code` set), or with the
// refresh_token grant when `refresh_token` is given.
inline CreateTokenRequest token_request(const RegisterClientResponse& c,
                                        std::optional<std::string> device_code,
                                        std::optional<std::string> refresh_token = std::nullopt) {
  CreateTokenRequest r;
  r.clientId = *c.clientId;
  r.clientSecret = *c.clientSecret;
  r.grantType = std::string(refresh_token ? kGrantRefreshToken : kGrantDeviceCode);
  r.deviceCode = std::move(device_code);
  r.refreshToken = std::move(refresh_token);
  return r;
}

// The same steps on one graph, for fixtures with several graphs (each one what a server process
// builds) that register on one and poll on another.
inline RegisterClientResponse register_public_client(domain::ServiceGraph& graph,
                                                     bool refreshable = false) {
  return register_public_client(
      graph.clients,
      refreshable ? std::optional(std::vector<std::string>{"sso:account:access"}) : std::nullopt);
}

// StartDeviceAuthorization on `graph`, its outcome for the test to judge.
inline std::expected<StartDeviceAuthorizationResponse, Error> start_device(
    domain::ServiceGraph& graph, const RegisterClientResponse& c) {
  return graph.devices.start({c.clientId.value_or(""), c.clientSecret.value_or(""),
                              std::string(kStartUrl)},
                             "");
}

// One CreateToken poll of the device code `device` by `c` on `graph`.
inline std::expected<CreateTokenResponse, Error> poll_device(
    domain::ServiceGraph& graph, const RegisterClientResponse& c,
    const StartDeviceAuthorizationResponse& device) {
  return graph.tokens.create_token(token_request(c, device.deviceCode));
}

}  // namespace ssooidc::test_support
