// The map every memory store keys by a string.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace ssooidc::storage {

// std::less<> lets the maps be searched with a string_view without building a string.
template <typename T>
using StringMap = std::map<std::string, T, std::less<>>;

}  // namespace ssooidc::storage
