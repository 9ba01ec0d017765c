-- wrk script for bench/run_wrk.sh (through bench_lib.sh): requests that each use a different
-- one-time value (an approved device code, an authorization code, a refresh token), and the
-- preparation runs that collect such values from a server's answers.
--   BENCH_METHOD   POST (default) or GET
--   BENCH_PATH     the request target (default: the URL's path); may hold @CODE@
--   BENCH_BODY     the POST body; may hold @CODE@
--   BENCH_TYPE     its Content-Type (default application/json)
--   BENCH_CODES    a file of values, one a line: request i replaces @CODE@ with line i. When the
--                  lines run out, the thread stops, so that no value is used twice and wrk's
--                  duration is the time the values lasted.
--   BENCH_ELAPSED  with BENCH_CODES: when the values run out, this file gets the microseconds
--                  from the first request to that moment (wrk's own duration counts the idle
--                  rest of the run, so the script divides by this instead)
--   BENCH_COLLECT  a file to append, one a line, what BENCH_PATTERN captures from each 2xx/3xx
--                  answer (from its body, or with BENCH_FROM=location from its Location header)
--   BENCH_COUNT    with BENCH_COLLECT: stop after this many answers
-- Prints one machine-readable result line, as wrk_request.lua.
local function env(name)  -- unset and empty are the same
  local value = os.getenv(name)
  if value == "" then return nil end
  return value
end
local method = env("BENCH_METHOD") or "POST"
local path = env("BENCH_PATH")
local body = env("BENCH_BODY") or ""
local content_type = env("BENCH_TYPE") or "application/json"
local codes_file = env("BENCH_CODES")
local collect_file = env("BENCH_COLLECT")
local pattern = env("BENCH_PATTERN")
local from = env("BENCH_FROM") or "body"
local count = tonumber(env("BENCH_COUNT") or "0")
local elapsed_file = env("BENCH_ELAPSED")

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec* ts);
]]
local function now_us()
  local ts = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end
local started_us = nil

local codes = {}
if codes_file then
  for line in io.lines(codes_file) do codes[#codes + 1] = line end
end
local next_code = 1
local headers = {}
if method == "POST" then headers["Content-Type"] = content_type end

local stopping = false
local out = nil  -- BENCH_COLLECT's file
request = function()
  local code = ""
  if started_us == nil then started_us = now_us() end
  if codes_file then
    code = codes[next_code]
    if code == nil then
      if not stopping then
        stopping = true
        if elapsed_file then
          local f = assert(io.open(elapsed_file, "w"))
          f:write(string.format("%.0f\n", now_us() - started_us))
          f:close()
        end
        if out then out:flush() end
        wrk.thread:stop()
      end
      code = ""
    end
    next_code = next_code + 1
  end
  local target = path and path:gsub("@CODE@", code) or nil
  local payload = nil
  if method == "POST" then payload = body:gsub("@CODE@", code) end
  return wrk.format(method, target, headers, payload)
end

if collect_file then
  out = assert(io.open(collect_file, "a"))
  local collected = 0
  response = function(status, response_headers, response_body)
    if status < 200 or status >= 400 then return end
    local text = response_body
    if from == "location" then text = response_headers["Location"] or "" end
    local value = text:match(pattern)
    if value then
      out:write(value, "\n")
      collected = collected + 1
      if collected == count then
        out:flush()
        wrk.thread:stop()
      elseif collected % 100 == 0 then
        out:flush()
      end
    end
  end
end

-- The result line (wrk_result.lua, beside this script).
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_result.lua")
