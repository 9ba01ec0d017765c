-- wrk script for bench/run_wrk.sh and bench/run_portal_wrk.sh (through bench_lib.sh's measure):
-- one fixed request, described by the environment, and one machine-readable result line.
--   BENCH_METHOD  POST (default) or GET
--   BENCH_BODY    a POST's JSON body (default "{}"), sent with Content-Type: application/json
--   BENCH_TOKEN   when set, sent in x-amz-sso_bearer_token (as botocore sends the portal's token)
-- No request() function is defined, so wrk builds the request once: the script costs nothing
-- per request.
wrk.method = os.getenv("BENCH_METHOD") or "POST"
if wrk.method == "POST" then
  wrk.body = os.getenv("BENCH_BODY") or "{}"
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("BENCH_TOKEN")
if token then wrk.headers["x-amz-sso_bearer_token"] = token end

-- The result line (wrk_result.lua, beside this script).
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_result.lua")
