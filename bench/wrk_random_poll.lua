-- wrk script for bench/scale_pending.sh: CreateToken polling a random one of the device codes
-- that scale_pending loaded, one machine-readable result line at the end.
--   BENCH_BODY_TEMPLATE  the JSON body, with %010d where the code's index goes
--   BENCH_RANDOM_COUNT   how many codes were loaded (indexes 0 .. count-1)
-- Building each body costs wrk a string.format per request; wrk runs on its own core.
local template = os.getenv("BENCH_BODY_TEMPLATE")
local count = tonumber(os.getenv("BENCH_RANDOM_COUNT"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  math.randomseed(os.time())
end

function request()
  return wrk.format(nil, nil, nil, string.format(template, math.random(0, count - 1)))
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
