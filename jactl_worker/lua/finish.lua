-- finish: the run ended - the script completed, or failed with an error. Records the outcome,
-- frees the restart point and publishes the outcome to the instance's reply_to stream.
-- KEYS[1] = {p}:instance:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq
-- ARGV[4] = completed | failed   ARGV[5] = result (JSON) or error message
-- ARGV[6] = TTL of the ended instance (s, "" = keep)
-- ARGV[7] = the worker's clock (ms), for the timestamps ("" = Redis' TIME): no lease is written
-- Returns 1, or 0 when fenced off (another run owns the instance; nothing written).
local ikey, id, run_seq, outcome, payload = KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local st, run = read_run(ikey, {'state', 'run_seq', 'reply_to'})
if st[1] ~= 'running' or st[2] ~= run_seq then return 0 end  -- fenced off (owns() in _lib)
local now = tonumber(ARGV[7]) or now_ms()
ended(ikey, id, 'running', outcome, payload, ARGV[6], now, st[3] or false, run)
return 1
