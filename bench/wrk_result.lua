-- The machine-readable result line that every bench wrk script prints at the end (bench_lib.sh
-- reads it). Loaded with dofile; returns wrk's done function:
--   done = dofile(bench_dir .. "wrk_result.lua")
return function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
