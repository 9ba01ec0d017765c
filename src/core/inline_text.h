// InlineText: a short text held inside its owner, never on the heap. For the values every
// response carries and that are always short (the access log's operation, error shape, client id
// and request id; the request id a prepared answer sends): issue 15 counts the heap allocations
// of the pending poll, and a std::string of more than 15 characters is one each time it is made
// or copied.
//
// A text longer than Capacity bytes is cut to its first Capacity bytes (the owners say why that
// never happens, or why it is what they want: a log field of a stranger's choosing is cut anyway).
//
// Thread safety: a plain value.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace ssooidc::core {

template <std::size_t Capacity>
class InlineText {
  static_assert(Capacity <= std::numeric_limits<std::uint8_t>::max());

 public:
  InlineText() = default;
  // Implicit, as from a std::string: owners assign names, literals and views alike.
  InlineText(std::string_view text) noexcept { assign(text); }
  InlineText(const char* text) noexcept : InlineText(std::string_view(text)) {}
  InlineText(const std::string& text) noexcept : InlineText(std::string_view(text)) {}

  InlineText& operator=(std::string_view text) noexcept {
    assign(text);
    return *this;
  }
  InlineText& operator=(const char* text) noexcept { return *this = std::string_view(text); }
  InlineText& operator=(const std::string& text) noexcept { return *this = std::string_view(text); }

  void assign(std::string_view text) noexcept {
    size_ = static_cast<std::uint8_t>(std::min(text.size(), Capacity));
    std::copy_n(text.data(), size_, chars_.data());
  }
  void clear() noexcept { size_ = 0; }

  [[nodiscard]] std::string_view view() const noexcept { return {chars_.data(), size_}; }
  operator std::string_view() const noexcept { return view(); }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }

  friend bool operator==(const InlineText& a, const InlineText& b) noexcept {
    return a.view() == b.view();
  }
  friend bool operator==(const InlineText& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const InlineText& a, const char* b) noexcept {
    return a.view() == std::string_view(b);
  }

 private:
  std::array<char, Capacity> chars_{};
  std::uint8_t size_ = 0;
};

}  // namespace ssooidc::core
