// CompletionBatch: wake-ups that a thread answering many requests in a row makes once each.
//
// Issue 15: the group commit's writer completes every write of a batch, one after the other, and
// each completion hands its answer to the I/O thread that sends it. Posting each answer woke that
// thread once per answer, and on a shared core the woken thread took the core from the writer at
// once (wake-up preemption): the two threads changed places twice for every answer, which
// cost a quarter of a StartDeviceAuthorization's CPU (perf, bench/README.md). Inside a
// CompletionBatch, a completion that must wake a thread asks `wake` to, and the batch runs each
// distinct wake-up once, when its outermost scope on this thread ends; the woken thread then
// finds every answer of the batch waiting. Outside a batch, `wake` runs the wake-up at once.
//
// Thread safety: the state is the calling thread's own.
#pragma once

namespace ssooidc::core {

class CompletionBatch {
 public:
  using Wake = void (*)(void* target) noexcept;

  CompletionBatch() noexcept;
  ~CompletionBatch();  // the outermost scope runs the wake-ups, in the order first asked for
  CompletionBatch(const CompletionBatch&) = delete;
  CompletionBatch& operator=(const CompletionBatch&) = delete;

  // Runs `wake(target)` now, or, inside a batch on this thread, once at its end however often the
  // same target asks. A batch holds at most kMaxTargets distinct targets; past them, `wake` runs
  // at once (nothing waits longer than without the batch).
  static void wake(void* target, Wake wake) noexcept;

  static constexpr int kMaxTargets = 64;
};

}  // namespace ssooidc::core
