// A deliberately small template language for the person's pages. Templates are compiled-in assets
// (see assets.h); values come from the request and the database, so every value is HTML-escaped
// on the way out and there is no syntax to insert a value raw.
//
//   {{name}}              the value of `name`, HTML-escaped; an unknown name is an error
//   {{#name}} ... {{/name}}  the block when `name` is set and non-empty
//   {{^name}} ... {{/name}}  the block when `name` is unset or empty
//   {{>path}}             another asset, e.g. {{>templates/_header.html}}, rendered with the same
//                         values (at most 8 levels deep)
//   {{! comment }}        nothing
//
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::web {

using TemplateValues = std::map<std::string, std::string, std::less<>>;

// Replaces & < > " ' with entities, so that the text is safe in element content and in quoted
// attribute values.
std::string html_escape(std::string_view text);

// Renders the asset at `template_path` ("templates/code.html"). The error is kInternalServer
// (the pages answer it with their 500 page): its description names the template and the problem
// (unknown asset, unknown value, unbalanced block), which means a bug in a template, not bad
// input.
[[nodiscard]] std::expected<std::string, Error> render_template(std::string_view template_path,
                                                                const TemplateValues& values);

// Renders template text that is not an asset (for tests). Errors as render_template.
[[nodiscard]] std::expected<std::string, Error> render_template_text(std::string_view text,
                                                                     const TemplateValues& values);

}  // namespace ssooidc::web
