-- wrk script: POST the same signed body with a unique X-GitHub-Delivery per request
-- and count 2xx answers.
-- args (after `--`): <body file> <delivery id prefix> ["Header: value" ...]
-- done() prints one line: BENCH_RESULT {json}

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()

  local headers = { ["Host"] = wrk.headers["Host"] }
  for i = 3, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  headers["X-GitHub-Delivery"] = "@@DELIVERY@@"

  -- Build the request once and split it around the delivery id placeholder.
  local req = wrk.format("POST", wrk.path, headers, body)
  local at = req:find("@@DELIVERY@@", 1, true)
  head, tail = req:sub(1, at - 1), req:sub(at + #"@@DELIVERY@@")
  prefix = args[2] .. string.format("%x", tid)
  sent, ok, bad = 0, 0, 0
end

function request()
  sent = sent + 1
  return head .. string.format("%s-%011x", prefix, sent) .. tail
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local ok_total, bad_total = 0, 0
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"ok":%d,"non2xx":%d,"requests":%d,"durationUs":%d,' ..
    '"p50Us":%d,"p99Us":%d,"maxUs":%d,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d}}\n',
    ok_total, bad_total, summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
