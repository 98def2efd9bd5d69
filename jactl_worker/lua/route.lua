-- route: an instance on another shard (shards.py) waits on a correlation id whose home is this
-- shard. Registers the route corr -> that shard, so this shard's listener forwards the replies
-- for it there (deliver.lua answers 4). A reply buffered here before the wait began is put
-- back on this shard's inbox in the same step, so it is forwarded too and never lost. The
-- worker calls this before it parks the instance on its own shard, so a reply forwarded early
-- is buffered there and taken by the park; calling it again (a retried run, the timer's retry
-- of an unreachable home) changes nothing more.
-- KEYS[1] = {p}:route:{corr}   KEYS[2] = {p}:mailbox:{corr}   KEYS[3] = {p}:wait:{corr}
-- KEYS[4] = {p}:inbox
-- ARGV[1] = prefix   ARGV[2] = correlation id   ARGV[3] = shard of the waiting instance
-- ARGV[4] = instance id   ARGV[5] = TTL of the route (s)
-- Returns {-1, instance}   an instance of this shard is waiting on the id (the other must not)
--       | {1, moved}       routed; moved = 1 if a buffered reply went back on the inbox
local rkey, mkey, wkey, inbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local w = redis.call('HMGET', wkey, 'status', 'instance')
if w[1] == 'waiting' then return {-1, w[2]} end
redis.call('HSET', rkey, 'shard', ARGV[3], 'instance', ARGV[4], 'at', now_ms())
redis.call('EXPIRE', rkey, ARGV[5])
local moved = 0
local m = redis.call('HMGET', mkey, 'body', 'message_id')
if m[1] then
  redis.call('XADD', inbox, '*', 'correlation_id', ARGV[2], 'body', m[1], 'message_id', m[2] or '')
  redis.call('DEL', mkey)
  moved = 1
end
return {1, moved}
