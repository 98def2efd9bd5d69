-- claim: a run job takes a queued instance and leases it to its worker.
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:point:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq the job was enqueued with
-- ARGV[4] = worker name   ARGV[5] = lease (ms)
-- Returns {0, reason} when the job is stale (another run owns or ended the instance), else
-- {1, script hash, globals, point, checkpoint_id, reply_to, continuation|false, value|false,
--  wait_kind, queue, sequence}: where to start and, for a resolved wait, the value to resume
-- with. The continuation comes only from the instance's own restart point record, and only
-- if that record names this instance and the point the instance record says it is at.
local ikey, pkey, id, run_seq = KEYS[1], KEYS[2], ARGV[2], ARGV[3]
local st = redis.call('HMGET', ikey, 'state', 'run_seq')
if not st[1] then return {0, 'missing'} end
if st[1] ~= 'queued' then return {0, st[1]} end
if st[2] ~= run_seq then return {0, 'stale'} end
local now = now_ms()
local lease_until = now + tonumber(ARGV[5])
set_state(ikey, id, 'queued', 'running', now)
redis.call('HSET', ikey, 'worker', ARGV[4], 'lease_until', lease_until)
redis.call('HINCRBY', ikey, 'runs', 1)
if redis.call('HGET', ikey, 'started_at') == '' then redis.call('HSET', ikey, 'started_at', now) end
redis.call('ZREM', K_PENDING, id)
redis.call('ZADD', K_LEASES, lease_until, id)
local f = redis.call('HMGET', ikey, 'script', 'globals', 'point', 'checkpoint_id',
  'reply_to', 'wait_kind', 'queue')
local cont, value, seq = false, false, ''
if f[3] == 'wait' or f[3] == 'checkpoint' then
  local p = redis.call('HMGET', pkey, 'instance', 'kind', 'continuation', 'value', 'seq', 'status')
  if p[1] == id and p[2] == f[3] then
    cont, seq = p[3], p[5] or ''
    if f[3] == 'wait' and p[6] == 'resolved' then value = p[4] end
  end
end
return {1, f[1], f[2], f[3], f[4], f[5], cont, value, f[6], f[7], seq}
