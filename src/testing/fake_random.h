// A repeatable core::Random for tests: the bytes of a script, in order and then again from the
// start; without a script 0, 1, 2, ... (wrapping at 256). Counts the calls of fill().
//
// Thread safety: none; one test thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/random.h"

namespace ssooidc::test_support {

class FakeRandom final : public core::Random {
 public:
  FakeRandom() = default;
  explicit FakeRandom(std::vector<std::uint8_t> script) : script_(std::move(script)) {}

  void fill(std::uint8_t* out, std::size_t n) override {
    ++calls_;
    for (std::size_t i = 0; i < n; ++i, ++next_)
      out[i] = script_.empty() ? static_cast<std::uint8_t>(next_) : script_[next_ % script_.size()];
  }
  // How many times fill() ran (uniform() calls it once per draw).
  [[nodiscard]] int calls() const noexcept { return calls_; }

 private:
  std::vector<std::uint8_t> script_;
  std::size_t next_ = 0;
  int calls_ = 0;
};

}  // namespace ssooidc::test_support
