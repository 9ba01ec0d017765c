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

-- The result line (wrk_result.lua, beside this script).
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_result.lua")
