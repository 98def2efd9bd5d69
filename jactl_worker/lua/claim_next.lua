-- claim_next: a drainer takes the next batch of ready instances of its queue, each claimed
-- exactly as claim.lua does (lease, fencing by the instance's current run_seq), and renews
-- its own drainer token.
-- KEYS[1] = {p}:ready:{queue}
-- KEYS[2] = {p}:drainers:{queue}
-- ARGV[1] = prefix   ARGV[2] = drainer token   ARGV[3] = worker name   ARGV[4] = lease (ms)
-- ARGV[5] = most ids to claim
-- Returns a list of {instance id, run_seq, <claim_one's reply from the script hash on>};
-- ready ids that are stale (the instance ended, or runs elsewhere) are dropped.
local rkey, dkey = KEYS[1], KEYS[2]
local now = now_ms()
redis.call('ZADD', dkey, now + DRAINER_TTL_MS, ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', rkey, '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
if #ids == 0 then return {} end
redis.call('ZREM', rkey, unpack(ids))
local out = {}
for _, id in ipairs(ids) do
  local c = claim_one(id, false, ARGV[3], ARGV[4], now)
  if c[1] == 1 then
    c[1] = c[12]  -- the run_seq claimed
    c[12] = nil
    table.insert(c, 1, id)
    table.insert(out, c)
  end
end
return out
