-- park: the running script waits on a correlation id (receive, or a sleep too long to run
-- inline). Its continuation becomes the instance's restart point, in the instance's own
-- point record; the wait record only maps the correlation id to the waiting instance.
-- If a reply is already buffered in the mailbox (it arrived before the wait), or the deadline
-- has already passed, the wait resolves at once and the same job goes on running.
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:wait:{corr}
-- KEYS[3] = {p}:mailbox:{corr}
-- KEYS[4] = {p}:point:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = correlation id
-- ARGV[5] = kind (receive | sleep)   ARGV[6] = deadline, ms since epoch ("" = never)
-- ARGV[7] = value on timeout (JSON)   ARGV[8] = continuation bytes   ARGV[9] = lease (ms)
-- ARGV[10] = wait record TTL (s), from resolution on   ARGV[11] = checkpoint sequence of ARGV[8]
-- KEYS[5] = {p}:route:{corr}, sharded fleets only, when the id's home is this shard: a wait
-- begun here replaces a route an instance of another shard registered for the id earlier
-- Returns {0, 'fenced'} | {-1, instance already waiting on this id}
--       | {-2, instance} the id's previous use is still settling (retry shortly)
--       | {1, wait_seq} parked: the job ends
--       | {2, value JSON, resolution} resolved at once: resume with the value, keep running
--
-- Reusing a correlation id: a resolved wait record may be taken over by a new wait once no
-- instance depends on it. The only dependency left after resolution is the inbox entry that
-- resolved it: until the listeners acknowledge it, a dead listener's successor may deliver
-- it again and must recognise it (deliver.lua). Such an entry is carried into the new record
-- as prev_*; if the record already carries an unacknowledged prev_* of its own, the new wait
-- must wait until one of them is acknowledged.
local ikey, wkey, mkey, pkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, run_seq, corr, kind, deadline = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local wait_ttl = ARGV[10]
local st, run = read_run(ikey, {'state', 'run_seq'})
if st[1] ~= 'running' or st[2] ~= run_seq then return {0, 'fenced'} end  -- owns() in _lib
local w = redis.call('HMGET', wkey, 'status', 'instance', 'resolution', 'entry', 'run_seq',
  'prev_entry', 'prev_instance', 'prev_run_seq')
if w[1] == 'waiting' then return {-1, w[2]} end
local prev = {}
local own_pending = w[1] == 'resolved' and w[3] == 'reply' and entry_pending(w[4])
local prev_pending = entry_pending(w[6])
if own_pending and prev_pending then return {-2, w[2]} end
if own_pending then
  prev = {'prev_entry', w[4], 'prev_instance', w[2], 'prev_run_seq', w[5]}
elseif prev_pending then
  prev = {'prev_entry', w[6], 'prev_instance', w[7], 'prev_run_seq', w[8]}
end

local now = now_ms()
if KEYS[5] then redis.call('DEL', KEYS[5]) end
local wait_seq = redis.call('HINCRBY', ikey, 'waits', 1)
redis.call('DEL', wkey)
redis.call('HSET', wkey, 'instance', id, 'wait_seq', wait_seq, 'kind', kind,
  'deadline', deadline, 'late', 0, 'created_at', now, unpack(prev))
redis.call('DEL', pkey)
redis.call('HSET', pkey, 'instance', id, 'kind', 'wait', 'continuation', ARGV[8],
  'seq', ARGV[11], 'corr', corr, 'wait_seq', wait_seq, 'timeout_value', ARGV[7], 'at', now)
redis.call('HSET', ikey, 'point', 'wait', 'waiting_on', corr, 'wait_kind', kind,
  'timeout_at', deadline, 'lapses', 0)

local value, resolution, mid = nil, nil, ''
if kind == 'receive' and redis.call('EXISTS', mkey) == 1 then
  local m = redis.call('HMGET', mkey, 'body', 'message_id')
  redis.call('DEL', mkey)
  value, resolution, mid = m[1], 'early', m[2] or ''
  redis.call('HSET', wkey, 'message_id', mid)
elseif deadline ~= '' and tonumber(deadline) <= now then
  value, resolution = ARGV[7], 'timeout'
end
if value then
  -- Resolved at once: the wait is the restart point, the run continues in this job.
  redis.call('HSET', wkey, 'status', 'resolved', 'resolution', resolution, 'run_seq', run_seq,
    'resolved_at', now)
  redis.call('EXPIRE', wkey, wait_ttl)
  redis.call('HSET', pkey, 'status', 'resolved', 'value', value, 'resolution', resolution,
    'resolved_at', now, 'message_id', mid)
  history(id, now, 'parked', {'kind', kind, 'corr', corr, 'deadline', deadline, 'wait_seq', wait_seq,
    'resolution', resolution, 'message_id', mid}, run)
  local lease_until = now + tonumber(ARGV[9])
  redis.call('HSET', ikey, 'lease_until', lease_until, 'updated_at', now)
  redis.call('ZADD', K_LEASES, lease_until, id)
  return {2, value, resolution}
end
redis.call('HSET', wkey, 'status', 'waiting')
redis.call('HSET', pkey, 'status', 'waiting')
set_state(ikey, id, 'running', 'waiting', now)
redis.call('HSET', ikey, 'worker', '', 'lease_until', '')
redis.call('ZREM', K_LEASES, id)
if deadline ~= '' then redis.call('ZADD', K_DEADLINES, deadline, corr) end
index_wait(corr, id)
history(id, now, 'parked', {'kind', kind, 'corr', corr, 'deadline', deadline, 'wait_seq', wait_seq}, run)
return {1, wait_seq}
