-- wake: a queue with ready ids due and no live drainer (a drainer was killed or its job was
-- never enqueued, so its token expired; or a delayed retry came due) gets a drainer token.
-- KEYS[1] = {p}:ready:{queue}
-- KEYS[2] = {p}:drainers:{queue}
-- ARGV[1] = prefix
-- Returns a token (enqueue one drain job with it), or false.
local now = now_ms()
if not any_due(KEYS[1], now) then return false end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) > 0 then return false end
return drainer_token(KEYS[2], now)
