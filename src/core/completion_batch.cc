#include "core/completion_batch.h"

#include <array>
#include <cstddef>

namespace ssooidc::core {

namespace {

struct Pending {
  void* target = nullptr;
  CompletionBatch::Wake wake = nullptr;
};

// This thread's open batch: its nesting depth and the distinct wake-ups asked for in it. A fixed
// array: a batch allocates nothing.
struct ThreadBatch {
  int depth = 0;
  std::size_t count = 0;
  std::array<Pending, CompletionBatch::kMaxTargets> pending{};
};

thread_local ThreadBatch batch;

}  // namespace

CompletionBatch::CompletionBatch() noexcept { ++batch.depth; }

CompletionBatch::~CompletionBatch() {
  if (--batch.depth > 0) return;
  // A wake-up may complete more (and so ask again): those run at once, the batch is over.
  const std::size_t count = batch.count;
  const auto pending = batch.pending;
  batch.count = 0;
  for (std::size_t i = 0; i < count; ++i) pending[i].wake(pending[i].target);
}

void CompletionBatch::wake(void* target, Wake wake) noexcept {
  if (batch.depth == 0) {
    wake(target);
    return;
  }
  for (std::size_t i = 0; i < batch.count; ++i) {
    if (batch.pending[i].target == target) return;
  }
  if (batch.count == batch.pending.size()) {
    wake(target);
    return;
  }
  batch.pending[batch.count++] = Pending{target, wake};
}

}  // namespace ssooidc::core
