-- requeue: recovery of an instance whose run was lost - its worker's lease lapsed (the worker
-- died or hung), or it sat queued while its RQ job vanished. Moves run_seq on, so the old run,
-- if it is still alive somewhere, is fenced off and can write nothing more.
-- KEYS[1] = {p}:instance:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = lease | pending
-- ARGV[4] = run_seq the caller saw (pending mode: requeue only if unchanged)
-- Returns {1, run_seq, queue} when requeued: enqueue a run job for run_seq; {0, reason} if not.
local ikey, id, mode = KEYS[1], ARGV[2], ARGV[3]
local st = redis.call('HMGET', ikey, 'state', 'run_seq', 'lease_until', 'queue')
local now = now_ms()
if mode == 'lease' then
  if st[1] ~= 'running' then redis.call('ZREM', K_LEASES, id); return {0, st[1] or 'missing'} end
  if tonumber(st[3]) > now then
    redis.call('ZADD', K_LEASES, st[3], id)
    return {0, 'alive'}
  end
  set_state(ikey, id, 'running', 'queued', now)
  redis.call('HSET', ikey, 'worker', '', 'lease_until', '')
  redis.call('ZREM', K_LEASES, id)
else
  if st[1] ~= 'queued' then redis.call('ZREM', K_PENDING, id); return {0, st[1] or 'missing'} end
  if st[2] ~= ARGV[4] then return {0, 'moved'} end
end
local run_seq = redis.call('HINCRBY', ikey, 'run_seq', 1)
redis.call('ZADD', K_PENDING, now, id)
return {1, run_seq, st[4]}
