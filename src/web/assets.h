// The web layer's templates and static files, compiled into the binary (see embed_assets.cmake).
//
// Thread safety: read-only data; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace ssooidc::web {

// The bytes of the asset at `name`, a path relative to src/web such as "templates/code.html" or
// "static/style.css"; nullopt when there is no such asset.
std::optional<std::string_view> find_asset(std::string_view name) noexcept;

}  // namespace ssooidc::web
