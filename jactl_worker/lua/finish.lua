-- finish: the run ended - the script completed, or failed with an error. Records the outcome,
-- frees the restart point and publishes the outcome to the instance's reply_to stream.
-- KEYS[1] = {p}:instance:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq
-- ARGV[4] = completed | failed   ARGV[5] = result (JSON) or error message
-- ARGV[6] = wait record TTL (s)   ARGV[7] = TTL of the ended instance (s, "" = keep)
-- Returns 1, or 0 when fenced off (another run owns the instance; nothing written).
local ikey, id, run_seq, outcome, payload = KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not owns(ikey, run_seq) then return 0 end
local now = now_ms()
drop_point(ikey, id, '', ARGV[6])
redis.call('DEL', k_checkpoint(id))
local field = outcome == 'completed' and 'result' or 'error'
redis.call('HSET', ikey, field, payload, 'ended_at', now, 'worker', '', 'lease_until', '',
  'point', 'ended', 'point_key', '', 'waiting_on', '', 'timeout_at', '')
set_state(ikey, id, 'running', outcome, now)
redis.call('ZREM', K_LEASES, id)
local reply_to = redis.call('HGET', ikey, 'reply_to')
if reply_to and reply_to ~= '' then
  redis.call('XADD', k_out(reply_to), '*', 'from', id, 'state', outcome, field, payload)
end
if ARGV[7] ~= '' then redis.call('EXPIRE', ikey, ARGV[7]) end
return 1
