-- timeout: the deadline of a wait has come (a timeout job, or the reaper's safety net).
-- Resolves the wait with its timeout value (null for receive, the sleep's value for sleep)
-- and queues the instance, unless a reply won first.
-- KEYS[1] = {p}:wait:{corr}
-- ARGV[1] = prefix   ARGV[2] = correlation id   ARGV[3] = wait_seq the job was armed for ("" =
-- the current wait: the timer found the correlation id due in {p}:deadlines)
-- ARGV[4] = wait record TTL (s), from resolution on
-- Returns {0, reason}                    stale: already resolved, cancelled or re-waited
--       | {2, deadline, queue}           fired early (RQ's scheduler rounds to seconds): re-arm
--       | {1, instance, run_seq, queue, token|false}  resolved: the instance is ready
local wkey, corr = KEYS[1], ARGV[2]
local w = redis.call('HMGET', wkey, 'status', 'instance', 'wait_seq', 'deadline', 'kind', 'group')
if w[1] ~= 'waiting' then
  -- the timer's entry is stale (the wait was resolved, cancelled, or is gone): drop it here,
  -- atomically, so a new wait on the same id keeps its own deadline entry
  if ARGV[3] == '' then redis.call('ZREM', K_DEADLINES, corr) end
  return {0, w[1] or 'missing'}
end
if ARGV[3] ~= '' and w[3] ~= ARGV[3] then return {0, 'stale'} end
local now = now_ms()
if w[4] == '' then
  if ARGV[3] == '' then redis.call('ZREM', K_DEADLINES, corr) end
  return {0, 'no deadline'}
end
local id = w[2]
local ikey = k_instance(id)
if now < tonumber(w[4]) then return {2, w[4], redis.call('HGET', ikey, 'queue') or ''} end
local inst = redis.call('HMGET', ikey, 'state', 'waiting_on', 'queue')
local pkey = k_point(id)
local p = redis.call('HMGET', pkey, 'instance', 'kind', 'wait_seq', 'status', 'timeout_value')
if inst[1] ~= 'waiting' or inst[2] ~= corr or p[1] ~= id or p[2] ~= 'wait' or p[3] ~= w[3]
    or p[4] ~= 'waiting' then
  redis.call('ZREM', K_DEADLINES, corr)
  return {0, 'not waiting'}
end
local run_seq = redis.call('HINCRBY', ikey, 'run_seq', 1)
local value = p[5]
if MULTI[w[5]] and w[6] == '1' then
  -- a receiveAny / receiveAll: resolve with what has arrived, and settle every id's record
  if w[5] == 'receiveAll' then value = all_value(pkey, tonumber(redis.call('HGET', pkey, 'n'))) end
  settle_group(id, pkey, w[3], 'timeout', run_seq, now, ARGV[4])
else
  redis.call('HSET', wkey, 'status', 'resolved', 'resolution', 'timeout', 'run_seq', run_seq,
    'resolved_at', now)
  redis.call('EXPIRE', wkey, ARGV[4])
  unindex_wait(corr, id)
end
redis.call('HSET', pkey, 'status', 'resolved', 'value', value, 'resolution', 'timeout',
  'resolved_at', now)
set_state(ikey, id, 'waiting', 'queued', now)
redis.call('ZREM', K_DEADLINES, corr)
return {1, id, run_seq, inst[3], make_ready(id, inst[3], now, now)}
