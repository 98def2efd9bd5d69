-- cancel: end an instance that has not ended yet. Its wait stops accepting replies, a queued
-- or running job is fenced off (run_seq moves on), and reply_to is told.
-- KEYS[1] = {p}:instance:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = wait record TTL (s)
-- ARGV[4] = TTL of the ended instance (s, "" = keep)
-- Returns {1, previous state} | {0, state} when it had already ended | {0, false} if missing.
local ikey, id = KEYS[1], ARGV[2]
local st, run = read_run(ikey, {'state', 'waiting_on'})
if not st[1] then return {0, false} end
if st[1] == 'completed' or st[1] == 'failed' or st[1] == 'cancelled' then return {0, st[1]} end
if st[1] == 'waiting' and st[2] ~= '' then
  local wkey = k_wait(st[2])
  local gw = redis.call('HMGET', wkey, 'instance', 'group', 'wait_seq')
  if gw[1] == id and gw[2] == '1' then
    settle_group(id, k_point(id), gw[3], 'cancelled', '', now_ms(), ARGV[3])  -- receiveAny/All
  elseif gw[1] == id then
    redis.call('HSET', wkey, 'status', 'cancelled')
    redis.call('EXPIRE', wkey, ARGV[3])
  end
  redis.call('ZREM', K_DEADLINES, st[2])
  unindex_wait(st[2], id)
end
if st[1] ~= 'running' then run = nil end
redis.call('HINCRBY', ikey, 'run_seq', 1)
redis.call('ZREM', K_PENDING, id)
local queue = redis.call('HGET', ikey, 'queue')
if queue then redis.call('ZREM', k_ready(queue), id) end
ended(ikey, id, st[1], 'cancelled', 'cancelled', ARGV[4], now_ms(), nil, run, {'was', st[1]})
return {1, st[1]}
