-- park_many: the running script waits on several correlation ids at once (receiveAny /
-- receiveAll; _lib.lua's MULTI section describes the records). Like park.lua, the
-- continuation becomes the instance's restart point, and replies buffered before the wait
-- count: receiveAny resolves at once with the first buffered one (in the order of the ids),
-- receiveAll takes every buffered one and resolves at once if that is all of them.
-- KEYS[1] = {p}:instance:{id}   KEYS[2] = {p}:point:{id}
-- KEYS[2 + 2i - 1] = {p}:wait:{id i}   KEYS[2 + 2i] = {p}:mailbox:{id i}   (i = 1..n)
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = kind (receiveAny |
-- receiveAll)   ARGV[5] = deadline, ms since epoch ("" = never)   ARGV[6] = continuation bytes
-- ARGV[7] = lease (ms)   ARGV[8] = wait record TTL (s), from resolution on
-- ARGV[9] = checkpoint sequence of ARGV[6]   ARGV[10] = n
-- ARGV[10 + 2i - 1] = id i   ARGV[10 + 2i] = id i as a JSON string
-- Returns as park.lua: {0, 'fenced'} | {-1, instance already waiting on one of the ids}
--       | {-2, instance} an id's previous use is still settling | {1, wait_seq} parked
--       | {2, value JSON, resolution} resolved at once (early | timeout)
local ikey, pkey = KEYS[1], KEYS[2]
local id, run_seq, kind, deadline = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local wait_ttl, n = ARGV[8], tonumber(ARGV[10])
local st, run = read_run(ikey, {'state', 'run_seq'})
if st[1] ~= 'running' or st[2] ~= run_seq then return {0, 'fenced'} end

-- every id must be free, exactly as for park.lua (the prev_* carry-over of a reused id)
local prevs = {}
for i = 1, n do
  local w = redis.call('HMGET', KEYS[2 + 2 * i - 1], 'status', 'instance', 'resolution', 'entry', 'run_seq',
    'prev_entry', 'prev_instance', 'prev_run_seq')
  if w[1] == 'waiting' then return {-1, w[2]} end
  local own_pending = w[1] == 'resolved' and w[3] == 'reply' and entry_pending(w[4])
  local prev_pending = entry_pending(w[6])
  if own_pending and prev_pending then return {-2, w[2]} end
  if own_pending then
    prevs[i] = {'prev_entry', w[4], 'prev_instance', w[2], 'prev_run_seq', w[5]}
  elseif prev_pending then
    prevs[i] = {'prev_entry', w[6], 'prev_instance', w[7], 'prev_run_seq', w[8]}
  else
    prevs[i] = {}
  end
end

local now = now_ms()
local wait_seq = tostring(redis.call('HINCRBY', ikey, 'waits', 1))
local g = group_corr(id, wait_seq)
local gk = k_wait(g)
redis.call('DEL', gk)
redis.call('HSET', gk, 'instance', id, 'wait_seq', wait_seq, 'kind', kind, 'deadline', deadline,
  'late', 0, 'created_at', now, 'group', 1)
redis.call('DEL', pkey)
local point = {'instance', id, 'kind', 'wait', 'continuation', ARGV[6], 'seq', ARGV[9], 'corr', g,
  'wait_seq', wait_seq, 'timeout_value', 'null', 'at', now, 'mode', kind, 'n', n}
local js = {}
for i = 1, n do
  point[#point + 1] = 'c' .. i; point[#point + 1] = ARGV[10 + 2 * i - 1]
  point[#point + 1] = 'j' .. i; point[#point + 1] = ARGV[10 + 2 * i]
  js[i] = ARGV[10 + 2 * i]
end
local ids_json = '[' .. table.concat(js, ',') .. ']'
point[#point + 1] = 'ids'; point[#point + 1] = ids_json
redis.call('HSET', pkey, unpack(point))
redis.call('HSET', ikey, 'point', 'wait', 'waiting_on', g, 'wait_kind', kind, 'timeout_at', deadline,
  'lapses', 0)
for i = 1, n do
  local wk = KEYS[2 + 2 * i - 1]
  redis.call('DEL', wk)
  redis.call('HSET', wk, 'instance', id, 'wait_seq', wait_seq, 'kind', kind, 'deadline', deadline,
    'late', 0, 'created_at', now, 'group', g, 'json', ARGV[10 + 2 * i], unpack(prevs[i]))
end

-- early replies
local value, resolution, mid = nil, nil, ''
local taken = {}
local got = 0
for i = 1, n do
  local mkey = KEYS[2 + 2 * i]
  if redis.call('EXISTS', mkey) == 1 then
    local m = redis.call('HMGET', mkey, 'body', 'message_id')
    redis.call('DEL', mkey)
    redis.call('HSET', KEYS[2 + 2 * i - 1], 'status', 'resolved', 'resolution', 'early',
      'message_id', m[2] or '', 'run_seq', run_seq, 'resolved_at', now)
    redis.call('EXPIRE', KEYS[2 + 2 * i - 1], wait_ttl)
    taken[i] = true
    got = got + 1
    mid = m[2] or ''
    if kind == 'receiveAny' then
      value = '{"id":' .. ARGV[10 + 2 * i] .. ',"body":' .. m[1] .. '}'
      resolution = 'early'
      break
    end
    redis.call('HSET', pkey, 'v' .. i, m[1])
  end
end
redis.call('HSET', pkey, 'got', got)
if not value and kind == 'receiveAll' and got == n then
  value, resolution = all_value(pkey, n), 'early'
end
if not value and deadline ~= '' and tonumber(deadline) <= now then
  resolution = 'timeout'
  if kind == 'receiveAll' then value = all_value(pkey, n) else value = 'null' end
end
local hist = {'kind', kind, 'corr', g, 'ids', ids_json, 'deadline', deadline, 'wait_seq', wait_seq}
if value then
  -- resolved at once: the run goes on in this job; the ids not answered settle as siblings
  redis.call('HSET', gk, 'status', 'waiting')
  for i = 1, n do
    if not taken[i] then redis.call('HSET', KEYS[2 + 2 * i - 1], 'status', 'waiting') end
  end
  local how = resolution
  if resolution == 'early' then how = 'sibling' end
  settle_group(id, pkey, wait_seq, how, run_seq, now, wait_ttl)
  redis.call('HSET', pkey, 'status', 'resolved', 'value', value, 'resolution', resolution,
    'resolved_at', now, 'message_id', mid)
  hist[#hist + 1] = 'resolution'; hist[#hist + 1] = resolution
  hist[#hist + 1] = 'message_id'; hist[#hist + 1] = mid
  history(id, now, 'parked', hist, run)
  local lease_until = now + tonumber(ARGV[7])
  redis.call('HSET', ikey, 'lease_until', lease_until, 'updated_at', now)
  redis.call('ZADD', K_LEASES, lease_until, id)
  return {2, value, resolution}
end
redis.call('HSET', gk, 'status', 'waiting')
for i = 1, n do
  if not taken[i] then
    redis.call('HSET', KEYS[2 + 2 * i - 1], 'status', 'waiting')
    index_wait(ARGV[10 + 2 * i - 1], id)
  end
end
redis.call('HSET', pkey, 'status', 'waiting')
set_state(ikey, id, 'running', 'waiting', now)
redis.call('HSET', ikey, 'worker', '', 'lease_until', '')
redis.call('ZREM', K_LEASES, id)
if deadline ~= '' then redis.call('ZADD', K_DEADLINES, deadline, g) end
if got > 0 then hist[#hist + 1] = 'early'; hist[#hist + 1] = got end
history(id, now, 'parked', hist, run)
return {1, wait_seq}
