// The JSON model is public (ssooidc/json.h); inside the library it keeps its older name,
// client::json, so that the cache code reads as before.
#pragma once

#include "ssooidc/json.h"

namespace ssooidc::client {
namespace json = ::ssooidc::json;
}  // namespace ssooidc::client
