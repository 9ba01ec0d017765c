// Helpers shared by the storage suites: a temporary directory and unwrapping of Results.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

#include "storage/storage.h"

namespace ssooidc::storage::test_support {

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string name = (std::filesystem::temp_directory_path() / "ssooidc-storage-XXXXXX").string();
    if (mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

template <typename T>
std::string describe(const Result<T>& result) {
  return result.has_value() ? std::string("ok") : result.error().error_description;
}

// The value of a Result that must hold one. Otherwise throws, which GoogleTest reports as a
// failure of the test together with the error's description.
template <typename T>
T must(Result<T> result) {
  if (!result.has_value()) {
    throw std::runtime_error("unexpected storage error: " + result.error().error_description);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace ssooidc::storage::test_support
