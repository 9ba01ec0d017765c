-- wrk script for bench/run_portal_wrk.sh: GETs the URL with the SSO access token of $BENCH_TOKEN
-- in x-amz-sso_bearer_token (as botocore sends it) and prints one machine-readable result line.
-- No request() function: wrk builds the request once.
wrk.method = "GET"
wrk.headers["x-amz-sso_bearer_token"] = os.getenv("BENCH_TOKEN") or ""

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
