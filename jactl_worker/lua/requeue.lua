-- requeue: recovery of an instance whose run was lost - its worker's lease lapsed (the worker
-- died, hung, or was killed by its watchdog or the OOM killer), or it sat queued while its RQ
-- job vanished. Moves run_seq on, so the old run, if it is still alive somewhere, is fenced
-- off and can write nothing more. Lost runs are counted per restart point (park and
-- checkpoint reset the count): after max_attempts of them the instance fails instead, so a
-- script that kills its worker every time cannot be retried forever.
-- KEYS[1] = {p}:instance:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = lease | pending
-- ARGV[4] = run_seq the caller saw (pending mode: requeue only if unchanged)
-- ARGV[5] = max_attempts   ARGV[6] = TTL of an ended instance (s, "" = keep)
-- ARGV[7] = retry backoff (ms): the instance is ready after ARGV[7] * 4^(lost - 1)
-- Returns {1, run_seq, queue, lost, token|false} when requeued (lost = runs of this restart
-- point lost so far; the timer wakes the queue when the backoff is over); {2, error} when it failed instead;
-- {0, reason} if nothing was done.
local ikey, id, mode = KEYS[1], ARGV[2], ARGV[3]
local st, run = read_run(ikey, {'state', 'run_seq', 'lease_until', 'queue', 'worker'})
if mode ~= 'lease' then run = nil end  -- a queued instance has no run on record
local now = now_ms()
local why
if mode == 'lease' then
  if st[1] ~= 'running' then redis.call('ZREM', K_LEASES, id); return {0, st[1] or 'missing'} end
  if tonumber(st[3]) > now then
    redis.call('ZADD', K_LEASES, st[3], id)
    return {0, 'alive'}
  end
  why = 'run lost its lease'
else
  if st[1] ~= 'queued' then redis.call('ZREM', K_PENDING, id); return {0, st[1] or 'missing'} end
  if st[2] ~= ARGV[4] then return {0, 'moved'} end
  why = 'run job was lost'
end
local lost = redis.call('HINCRBY', ikey, 'lapses', 1)
if lost >= tonumber(ARGV[5]) then
  local err = why .. ' ' .. lost .. ' times; last worker ' .. ((st[5] ~= '' and st[5]) or 'unknown')
  redis.call('HINCRBY', ikey, 'run_seq', 1)
  redis.call('ZREM', K_PENDING, id)
  ended(ikey, id, st[1], 'failed', err, ARGV[6], now, nil, run, {'lost', lost})
  return {2, err}
end
if mode == 'lease' then
  set_state(ikey, id, 'running', 'queued', now)
  redis.call('HSET', ikey, 'worker', '', 'lease_until', '', 'last_worker', st[5] or '')
  redis.call('ZREM', K_LEASES, id)
end
local run_seq = redis.call('HINCRBY', ikey, 'run_seq', 1)
history(id, now, mode == 'lease' and 'lease-lapsed' or 'run-lost', {'lost', lost}, run)
local at = now + tonumber(ARGV[7] or 0) * 4 ^ (lost - 1)
return {1, run_seq, st[4], lost, make_ready(id, st[4], at, now)}
