-- wrk script for bench/run_wrk.sh: POSTs the JSON body in $BENCH_BODY to the URL's path and
-- prints one machine-readable result line. wrk builds the request once because no request()
-- function is defined, so the script costs nothing per request.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
