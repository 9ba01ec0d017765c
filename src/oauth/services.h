// The domain services the standard face calls: the same ones the AWS face (src/api) calls, so a
// login or token started in one face behaves identically in the other. Owned by the server's
// wiring.
#pragma once

#include "domain/client_service.h"
#include "domain/device_service.h"
#include "domain/settings.h"
#include "domain/token_inspection.h"
#include "domain/token_service.h"

namespace ssooidc::oauth {

struct Services {
  domain::ClientService& clients;
  domain::DeviceService& devices;
  domain::TokenService& tokens;
  domain::TokenInspection& inspection;
  const domain::Settings& settings;  // public_url: the issuer, and the base of every endpoint
};

}  // namespace ssooidc::oauth
