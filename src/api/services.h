// The domain services the AWS JSON operations call. Owned by the server's wiring.
#pragma once

#include "core/random.h"
#include "domain/client_service.h"
#include "domain/device_service.h"
#include "domain/token_service.h"

namespace ssooidc::api {

struct Services {
  domain::ClientService& clients;
  domain::DeviceService& devices;
  domain::TokenService& tokens;
  core::Random& random;  // request ids
};

}  // namespace ssooidc::api
