-- park: the running script waits on a correlation id (receive, or a sleep too long to run
-- inline). Its continuation becomes the instance's restart point, stored in the wait record.
-- If a reply is already buffered in the mailbox (it arrived before the wait), or the deadline
-- has already passed, the wait resolves at once and the same job goes on running.
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:wait:{corr}
-- KEYS[3] = {p}:mailbox:{corr}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = correlation id
-- ARGV[5] = kind (receive | sleep)   ARGV[6] = deadline, ms since epoch ("" = never)
-- ARGV[7] = value on timeout (JSON)   ARGV[8] = continuation bytes   ARGV[9] = lease (ms)
-- ARGV[10] = wait record TTL (s), for the wait this one supersedes and one resolved at once
-- Returns {0, 'fenced'} | {-1, instance already waiting on this id}
--       | {1, wait_seq} parked: the job ends
--       | {2, value JSON, resolution} resolved at once: resume with the value, keep running
local ikey, wkey, mkey = KEYS[1], KEYS[2], KEYS[3]
local id, run_seq, corr, kind, deadline = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if not owns(ikey, run_seq) then return {0, 'fenced'} end
local other = redis.call('HMGET', wkey, 'status', 'instance')
if other[1] == 'waiting' then return {-1, other[2]} end
local now = now_ms()
drop_point(ikey, id, wkey, ARGV[10])
local wait_seq = redis.call('HINCRBY', ikey, 'waits', 1)
redis.call('DEL', wkey)
redis.call('HSET', wkey, 'instance', id, 'wait_seq', wait_seq, 'kind', kind,
  'deadline', deadline, 'timeout_value', ARGV[7], 'continuation', ARGV[8], 'late', 0,
  'created_at', now)
redis.call('HSET', ikey, 'point', 'wait', 'point_key', wkey, 'waiting_on', corr,
  'wait_kind', kind, 'timeout_at', deadline)

local value, resolution = nil, nil
if kind == 'receive' and redis.call('EXISTS', mkey) == 1 then
  local m = redis.call('HMGET', mkey, 'body', 'message_id')
  redis.call('DEL', mkey)
  value, resolution = m[1], 'early'
  redis.call('HSET', wkey, 'message_id', m[2])
elseif deadline ~= '' and tonumber(deadline) <= now then
  value, resolution = ARGV[7], 'timeout'
end
if value then
  -- Resolved at once: the wait is the restart point, the run continues in this job.
  redis.call('HSET', wkey, 'status', 'resolved', 'resolution', resolution, 'value', value,
    'run_seq', run_seq, 'resolved_at', now)
  local lease_until = now + tonumber(ARGV[9])
  redis.call('HSET', ikey, 'lease_until', lease_until, 'updated_at', now)
  redis.call('ZADD', K_LEASES, lease_until, id)
  return {2, value, resolution}
end
redis.call('HSET', wkey, 'status', 'waiting')
set_state(ikey, id, 'running', 'waiting', now)
redis.call('HSET', ikey, 'worker', '', 'lease_until', '')
redis.call('ZREM', K_LEASES, id)
if deadline ~= '' then redis.call('ZADD', K_DEADLINES, deadline, corr) end
return {1, wait_seq}
