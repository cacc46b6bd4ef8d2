-- wrk script for bench/compare.sh.
--
-- Counts every answer that is not a 200 (wrk by itself counts only
-- statuses >= 400, so a 302 to a login page would pass unseen) and prints
-- one machine-readable line when the run is done:
--
--   BENCH requests=N duration_us=N rps=N p50_us=N p99_us=N non200=N first_non200=S errors=N
--
-- Environment:
--   BENCH_STOP_AFTER  each thread stops after this many answers (0: run for -d)
--   BENCH_COOKIE_FILE a file of Cookie header values, one a line: requests
--                     cycle through them (many sessions) instead of the -H one

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "") or 0
local cookie_file = os.getenv("BENCH_COOKIE_FILE") or ""

local reqs = {}

function init(_)
  non200 = 0
  first_non200 = ""
  answers = 0
  if cookie_file ~= "" then
    -- Every request is built once, here (wrk.headers has its Host by
    -- now): request() only picks the next one.
    for line in io.lines(cookie_file) do
      if line ~= "" then
        local headers = {}
        for k, v in pairs(wrk.headers) do
          headers[k] = v
        end
        headers["Cookie"] = line
        table.insert(reqs, wrk.format(nil, nil, headers))
      end
    end
    assert(#reqs > 0, "no cookies in " .. cookie_file)
  end
end

function response(status, _, _)
  answers = answers + 1
  if status ~= 200 then
    non200 = non200 + 1
    if first_non200 == "" then
      first_non200 = tostring(status)
    end
  end
  if stop_after > 0 and answers >= stop_after then
    wrk.thread:stop()
  end
end

if cookie_file ~= "" then
  local i = 0
  function request()
    i = i % #reqs + 1
    return reqs[i]
  end
end

function done(summary, latency, _)
  local bad, first = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non200") or 0)
    local f = t:get("first_non200") or ""
    if first == "" and f ~= "" then
      first = f
    end
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non200=%d first_non200=%s errors=%d\n",
    summary.requests, summary.duration, summary.requests / secs,
    latency:percentile(50), latency:percentile(99), bad, first ~= "" and first or "-", errors))
end
