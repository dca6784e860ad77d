-- wrk script. BENCH_MODE=verify: POST /verify/ with a mix of correct, wrong and
-- not-found verifications from many mobiles (person p of the bench data has mobile
-- 13800000000 + p, code %06d of p and certificate tail %06d of p; see
-- verify_http.py). BENCH_MODE=otp: the same mix POSTed to django-otp's verify
-- (bench/peers.py; the mobile is the user, the code the token). BENCH_MODE=bare: GET
-- the bare view. Either way a JSON summary goes to the file named by BENCH_WRK_OUT.
local mode = os.getenv("BENCH_MODE") or "verify"
local people = tonumber(os.getenv("BENCH_PEOPLE") or "1000")
local csrf = "benchcsrfbenchcsrfbenchcsrf12345"  -- 32 characters: a valid secret
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Cookie"] = "csrftoken=" .. csrf,
}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  statuses = {}
  kinds = {correct = 0, wrong = 0, unknown = 0}
end

function request()
  if mode == "bare" then
    return wrk.format("GET", "/bench/bare/")
  end
  local p = math.random(people)
  local mobile = tostring(13800000000 + p)
  local code = string.format("%06d", p)
  local roll = math.random(3)
  if roll == 1 then
    kinds.correct = kinds.correct + 1
  elseif roll == 2 then
    kinds.wrong = kinds.wrong + 1
    code = string.format("%06d", (p + math.random(999)) % 1000000)
  else
    kinds.unknown = kinds.unknown + 1
    mobile = tostring(19900000000 + math.random(9999999))
  end
  if mode == "otp" then
    local form = "csrfmiddlewaretoken=" .. csrf .. "&mobile=" .. mobile .. "&code=" .. code
    return wrk.format("POST", "/bench/otp/", headers, form)
  end
  local body = "csrfmiddlewaretoken=" .. csrf
    .. "&submission=" .. string.format("%x%x%x", math.random(2^30), math.random(2^30), id)
    .. "&mobile=" .. mobile .. "&code=" .. code
    .. "&cert_last6=" .. string.format("%06d", p)
    .. "&captcha_0=bench&captcha_1=PASSED"
  return wrk.format("POST", "/verify/", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged, mix = {}, {correct = 0, wrong = 0, unknown = 0}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + count
    end
    for kind, count in pairs(thread:get("kinds")) do
      mix[kind] = mix[kind] + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  local out = io.open(os.getenv("BENCH_WRK_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "statuses": {%s}, '
      .. '"mix": {"correct": %d, "wrong": %d, "unknown": %d}}',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, table.concat(parts, ", "), mix.correct, mix.wrong, mix.unknown))
  out:close()
end
