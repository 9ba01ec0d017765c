#include "client/json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/json_text.h"

namespace ssooidc::json {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::expected<Value, std::string> parse_document() {
    auto v = parse_value(0);
    if (!v) return v;
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected data after the JSON value");
    return v;
  }

 private:
  std::unexpected<std::string> fail(std::string_view what) const {
    return std::unexpected(std::string(what) + " at offset " + std::to_string(pos_));
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::expected<Value, std::string> parse_value(int depth) {
    if (depth > kMaxDepth) return fail("JSON nested too deeply");
    skip_ws();
    if (pos_ >= s_.size()) return fail("unexpected end of JSON");
    char c = s_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      auto str = parse_string();
      if (!str) return std::unexpected(str.error());
      return Value(std::move(*str));
    }
    if (consume("true")) return Value(true);
    if (consume("false")) return Value(false);
    if (consume("null")) return Value(nullptr);
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    return fail("unexpected character");
  }

  std::expected<Value, std::string> parse_number() {
    std::size_t start = pos_;
    auto digits = [&] {
      std::size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return fail("invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return fail("invalid number");
    }
    return Value::number(std::string(s_.substr(start, pos_ - start)));
  }

  std::expected<unsigned, std::string> parse_hex4() {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<unsigned>(h - 'A' + 10);
      else
        return fail("invalid \\u escape");
    }
    return v;
  }

  std::expected<std::string, std::string> parse_string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) return fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto hi = parse_hex4();
          if (!hi) return std::unexpected(hi.error());
          unsigned cp = *hi;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!consume("\\u")) return fail("unpaired UTF-16 surrogate");
            auto lo = parse_hex4();
            if (!lo) return std::unexpected(lo.error());
            if (*lo < 0xDC00 || *lo > 0xDFFF) return fail("unpaired UTF-16 surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired UTF-16 surrogate");
          }
          core::append_utf8(out, cp);
          break;
        }
        default:
          return fail("invalid escape in string");
      }
    }
  }

  std::expected<Value, std::string> parse_array(int depth) {
    ++pos_;
    Array items;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    while (true) {
      auto item = parse_value(depth + 1);
      if (!item) return item;
      items.push_back(std::move(*item));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Value(std::move(items));
      }
      return fail("expected ',' or ']'");
    }
  }

  std::expected<Value, std::string> parse_object(int depth) {
    ++pos_;
    Object members;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Value(std::move(members));
    }
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
      auto key = parse_string();
      if (!key) return std::unexpected(key.error());
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      auto value = parse_value(depth + 1);
      if (!value) return value;
      members.emplace_back(std::move(*key), std::move(*value));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Value(std::move(members));
      }
      return fail("expected ',' or '}'");
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// Decodes one UTF-8 sequence at `i`; invalid bytes are returned as themselves (U+FFFD would
// change the bytes a hash is computed over, and these strings come from our own inputs).
unsigned next_code_point(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= s.size()) {
    ++i;
    return b;
  }
  unsigned cp = b & (0x3Fu >> extra);
  for (std::size_t k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return b;
    }
    cp = (cp << 6) | (c & 0x3Fu);
  }
  i += extra + 1;
  return cp;
}

void append_u_escape(std::string& out, unsigned unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
}

void write_string(std::string& out, std::string_view s, bool ascii_only) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || (ascii_only && c == 0x7F)) {  // Python escapes everything outside ' '..'~'
      append_u_escape(out, c);
      ++i;
    } else if (c < 0x80 || !ascii_only) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // Python's ensure_ascii: \uXXXX, with a surrogate pair above the BMP.
      unsigned cp = next_code_point(s, i);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        append_u_escape(out, 0xD800 + (cp >> 10));
        append_u_escape(out, 0xDC00 + (cp & 0x3FF));
      } else {
        append_u_escape(out, cp);
      }
    }
  }
  out += '"';
}

void write_value(std::string& out, const Value& v, Style style, int indent);

void newline(std::string& out, int indent) {
  out += '\n';
  out.append(static_cast<std::size_t>(indent) * 4, ' ');
}

void write_value(std::string& out, const Value& v, Style style, int indent) {
  const bool ascii = style == Style::kPython || style == Style::kPythonCompact;
  if (v.is_null()) {
    out += "null";
  } else if (auto b = v.as_bool()) {
    out += *b ? "true" : "false";
  } else if (const auto* n = v.number_text()) {
    out += *n;
  } else if (const auto* s = v.as_string()) {
    write_string(out, *s, ascii);
  } else if (const auto* a = v.as_array()) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i > 0) out += style == Style::kPython ? ", " : ",";
      if (style == Style::kPretty) newline(out, indent + 1);
      write_value(out, (*a)[i], style, indent + 1);
    }
    if (style == Style::kPretty) newline(out, indent);
    out += ']';
  } else if (const auto* o = v.as_object()) {
    if (o->empty()) {
      out += "{}";
      return;
    }
    out += '{';
    for (std::size_t i = 0; i < o->size(); ++i) {
      if (i > 0) out += style == Style::kPython ? ", " : ",";
      if (style == Style::kPretty) newline(out, indent + 1);
      write_string(out, (*o)[i].first, ascii);
      out += style == Style::kCompact || style == Style::kPythonCompact ? ":" : ": ";
      write_value(out, (*o)[i].second, style, indent + 1);
    }
    if (style == Style::kPretty) newline(out, indent);
    out += '}';
  }
}

}  // namespace

std::optional<bool> Value::as_bool() const {
  if (const bool* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}

const std::string* Value::number_text() const {
  if (const auto* n = std::get_if<Number>(&v_)) return &n->text;
  return nullptr;
}

std::optional<std::int64_t> Value::as_int() const {
  const std::string* text = number_text();
  if (text == nullptr) return std::nullopt;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), out);
  if (ec == std::errc() && end == text->data() + text->size()) return out;
  // Fractions and exponents: accept only exact integral values within range.
  char* parse_end = nullptr;
  double d = std::strtod(text->c_str(), &parse_end);
  if (parse_end != text->c_str() + text->size() || !std::isfinite(d) || d != std::floor(d) ||
      d < -9.2e18 || d > 9.2e18) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d);
}

const Array* Value::as_array() const {
  if (const auto* a = std::get_if<std::shared_ptr<Array>>(&v_)) return a->get();
  return nullptr;
}

const Object* Value::as_object() const {
  if (const auto* o = std::get_if<std::shared_ptr<Object>>(&v_)) return o->get();
  return nullptr;
}

Object* Value::as_object() {
  auto* o = std::get_if<std::shared_ptr<Object>>(&v_);
  if (o == nullptr) return nullptr;
  // Copy on write: values share their children after a copy.
  if (o->use_count() > 1) *o = std::make_shared<Object>(**o);
  return o->get();
}

const Value* Value::find(std::string_view key) const {
  const Object* o = as_object();
  if (o == nullptr) return nullptr;
  for (const auto& [k, v] : *o)
    if (k == key) return &v;
  return nullptr;
}

std::optional<std::string> Value::string_member(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || v->as_string() == nullptr) return std::nullopt;
  return *v->as_string();
}

void Value::set(std::string_view key, Value value) {
  Object* o = as_object();
  if (o == nullptr) return;
  for (auto& [k, v] : *o) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  o->emplace_back(std::string(key), std::move(value));
}

void Value::erase(std::string_view key) {
  Object* o = as_object();
  if (o == nullptr) return;
  std::erase_if(*o, [&](const Member& m) { return m.first == key; });
}

std::expected<Value, Error> parse(std::string_view text) {
  auto value = Parser(text).parse_document();
  if (!value) return std::unexpected(Error::make(ErrorType::kConfiguration, value.error()));
  return std::move(*value);
}

std::string serialize(const Value& value, Style style) {
  std::string out;
  write_value(out, value, style, 0);
  return out;
}

}  // namespace ssooidc::json
