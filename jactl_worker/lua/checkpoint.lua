-- checkpoint: persist a continuation as the instance's restart point; the run goes on.
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:checkpoint:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = checkpoint id
-- ARGV[5] = continuation bytes   ARGV[6] = lease (ms)   ARGV[7] = wait record TTL (s)
-- Returns 1, or 0 when fenced off (nothing written).
local ikey, ckey, id = KEYS[1], KEYS[2], ARGV[2]
if not owns(ikey, ARGV[3]) then return 0 end
local now = now_ms()
drop_point(ikey, id, ckey, ARGV[7])
redis.call('HSET', ckey, 'continuation', ARGV[5], 'checkpoint_id', ARGV[4], 'at', now)
local lease_until = now + tonumber(ARGV[6])
redis.call('HSET', ikey, 'point', 'checkpoint', 'point_key', ckey, 'checkpoint_id', ARGV[4],
  'lease_until', lease_until, 'updated_at', now)
redis.call('ZADD', K_LEASES, lease_until, id)
return 1
