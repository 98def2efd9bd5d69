-- checkpoint: persist a continuation as the instance's restart point; the run goes on.
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:point:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = checkpoint id
-- ARGV[5] = continuation bytes   ARGV[6] = lease (ms)   ARGV[7] = checkpoint sequence of ARGV[5]
-- Returns 1, or 0 when fenced off (nothing written).
local ikey, pkey, id = KEYS[1], KEYS[2], ARGV[2]
local st, run = read_run(ikey, {'state', 'run_seq', 'point'})
if st[1] ~= 'running' or st[2] ~= ARGV[3] then return 0 end  -- owns() in _lib
local now = now_ms()
history(id, now, 'checkpoint', {'checkpoint_id', ARGV[4]}, run)
-- a checkpoint's record has exactly the fields written below, so one that follows a
-- checkpoint overwrites them all; a wait's record (value, status, the ids waited on) goes
if st[3] ~= 'checkpoint' then redis.call('DEL', pkey) end
redis.call('HSET', pkey, 'instance', id, 'kind', 'checkpoint', 'continuation', ARGV[5],
  'checkpoint_id', ARGV[4], 'seq', ARGV[7], 'at', now)
local lease_until = now + tonumber(ARGV[6])
redis.call('HSET', ikey, 'point', 'checkpoint', 'checkpoint_id', ARGV[4], 'lapses', 0,
  'lease_until', lease_until, 'updated_at', now)
redis.call('ZADD', K_LEASES, lease_until, id)
return 1
