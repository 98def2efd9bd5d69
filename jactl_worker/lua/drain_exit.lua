-- drain_exit: a drainer stops (its queue's ready set is empty, or its time slice is over).
-- Its token is removed and, in the same step, if ready ids are due a new token is issued so
-- the caller enqueues a successor: no wake-up is lost between the check and the exit.
-- KEYS[1] = {p}:ready:{queue}
-- KEYS[2] = {p}:drainers:{queue}
-- ARGV[1] = prefix   ARGV[2] = the exiting drainer's token
-- Returns a new token, or false.
local rkey, dkey = KEYS[1], KEYS[2]
redis.call('ZREM', dkey, ARGV[2])
local now = now_ms()
if not any_due(rkey, now) then return false end
return drainer_token(dkey, now)
