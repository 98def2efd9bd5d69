-- create: store a script's source and create a queued instance, unless the id exists already.
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:script:{sha256}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = script hash   ARGV[4] = source
-- (ARGV[4] "" = the caller stored the source already: start_many stores it once)
-- ARGV[5] = globals (JSON)   ARGV[6] = queue   ARGV[7] = reply_to ("" = none)
-- ARGV[8] = when it may first run, ms since epoch ("" or past = now): a scheduled start waits
-- in the ready set under that score, and the timer wakes the queue when it comes due
-- Returns {1, run_seq, token|false} when created (token: enqueue a drain job with it), {0, state} when the id was taken (start is idempotent).
-- The source is (re)written when the stored one differs: Lua cannot hash it, so a source
-- planted under a hash it does not match is repaired by the next honest start, and workers
-- refuse to run a source whose sha256 is not its key (store.py).
local ikey, id = KEYS[1], ARGV[2]
local existing = redis.call('HGET', ikey, 'state')
if existing then return {0, existing} end
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[4] then redis.call('SET', KEYS[2], ARGV[4]) end
local now = now_ms()
local at = now
if ARGV[8] and ARGV[8] ~= '' and tonumber(ARGV[8]) > now then at = tonumber(ARGV[8]) end
redis.call('HSET', ikey, 'script', ARGV[3], 'globals', ARGV[5], 'queue', ARGV[6],
  'reply_to', ARGV[7], 'run_seq', 1, 'runs', 0, 'waits', 0, 'lapses', 0, 'point', 'start',
  'checkpoint_id', 0, 'waiting_on', '', 'wait_kind', '', 'timeout_at', '', 'worker', '',
  'lease_until', '', 'created_at', now, 'started_at', '', 'ended_at', '', 'start_at', at)
set_state(ikey, id, nil, 'queued', now)
history(id, now, 'created', {'queue', ARGV[6], 'start_at', at})
redis.call('ZADD', K_ALL, now, id)
return {1, 1, make_ready(id, ARGV[6], at, now)}
