#include "web/html_template.h"

#include "web/assets.h"

namespace ssooidc::web {
namespace {

constexpr int kMaxPartialDepth = 8;

// A template that does not render is a bug of this server, never of the request: 500.
Error template_error(std::string message) {
  return Error::make(ErrorType::kInternalServer, std::move(message));
}

struct Tag {
  char kind = 0;          // 0 value, '#', '^', '/', '>', '!'
  std::string_view name;  // trimmed
  std::size_t begin = 0;  // offset of "{{"
  std::size_t end = 0;    // offset just past "}}"
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// The next tag at or after `from`, or an error for "{{" without "}}"; nullopt-like empty kind
// with begin == npos when there is none.
std::expected<Tag, std::string> next_tag(std::string_view text, std::size_t from) {
  Tag tag;
  tag.begin = text.find("{{", from);
  if (tag.begin == std::string_view::npos) return tag;
  const std::size_t close = text.find("}}", tag.begin + 2);
  if (close == std::string_view::npos) return std::unexpected("unclosed {{");
  std::string_view inner = trim(text.substr(tag.begin + 2, close - tag.begin - 2));
  if (!inner.empty() && (inner.front() == '#' || inner.front() == '^' || inner.front() == '/' ||
                         inner.front() == '>' || inner.front() == '!')) {
    tag.kind = inner.front();
    inner = trim(inner.substr(1));
  }
  tag.name = inner;
  tag.end = close + 2;
  if (tag.kind != '!' && tag.name.empty()) return std::unexpected("empty tag");
  return tag;
}

bool truthy(const TemplateValues& values, std::string_view name) {
  auto it = values.find(name);
  return it != values.end() && !it->second.empty();
}

std::expected<void, std::string> render_into(std::string_view text, const TemplateValues& values,
                                             int depth, std::string& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto tag = next_tag(text, pos);
    if (!tag) return std::unexpected(tag.error());
    if (tag->begin == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, tag->begin - pos));
    pos = tag->end;
    switch (tag->kind) {
      case 0: {
        auto it = values.find(tag->name);
        if (it == values.end())
          return std::unexpected("no value named '" + std::string(tag->name) + "'");
        out += html_escape(it->second);
        break;
      }
      case '!':
        break;
      case '/':
        return std::unexpected("{{/" + std::string(tag->name) + "}} without an opening block");
      case '>': {
        if (depth >= kMaxPartialDepth) return std::unexpected("partials nested too deeply");
        auto partial = find_asset(tag->name);
        if (!partial) return std::unexpected("no asset named '" + std::string(tag->name) + "'");
        auto done = render_into(*partial, values, depth + 1, out);
        if (!done)
          return std::unexpected(std::string(tag->name) + ": " + done.error());
        break;
      }
      case '#':
      case '^': {
        // Find the matching close tag, skipping nested blocks.
        int open = 1;
        std::size_t scan = pos;
        Tag close;
        while (open > 0) {
          auto inner = next_tag(text, scan);
          if (!inner) return std::unexpected(inner.error());
          if (inner->begin == std::string_view::npos)
            return std::unexpected("{{" + std::string(1, tag->kind) + std::string(tag->name) +
                                   "}} is never closed");
          if (inner->kind == '#' || inner->kind == '^') ++open;
          if (inner->kind == '/') --open;
          scan = inner->end;
          close = *inner;
        }
        if (close.name != tag->name)
          return std::unexpected("{{/" + std::string(close.name) + "}} closes {{" +
                                 std::string(1, tag->kind) + std::string(tag->name) + "}}");
        const bool show = truthy(values, tag->name) == (tag->kind == '#');
        if (show) {
          auto done = render_into(text.substr(pos, close.begin - pos), values, depth, out);
          if (!done) return done;
        }
        pos = close.end;
        break;
      }
      default:
        break;
    }
  }
  return {};
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::expected<std::string, Error> render_template_text(std::string_view text,
                                                       const TemplateValues& values) {
  std::string out;
  out.reserve(text.size() * 2);
  auto done = render_into(text, values, 0, out);
  if (!done) return std::unexpected(template_error(done.error()));
  return out;
}

std::expected<std::string, Error> render_template(std::string_view template_path,
                                                  const TemplateValues& values) {
  auto text = find_asset(template_path);
  if (!text)
    return std::unexpected(template_error("no asset named '" + std::string(template_path) + "'"));
  auto out = render_template_text(*text, values);
  if (!out) {
    return std::unexpected(
        template_error(std::string(template_path) + ": " + out.error().error_description));
  }
  return out;
}

}  // namespace ssooidc::web
