-- renew: heartbeat of a running instance; extends its lease if the job still owns it.
-- KEYS[1] = {p}:instance:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = lease (ms)
-- Returns 1 while owned, 0 when the job was fenced off (lease taken over, or cancelled).
local ikey, id = KEYS[1], ARGV[2]
if not owns(ikey, ARGV[3]) then return 0 end
local lease_until = now_ms() + tonumber(ARGV[4])
redis.call('HSET', ikey, 'lease_until', lease_until)
redis.call('ZADD', K_LEASES, lease_until, id)
return 1
