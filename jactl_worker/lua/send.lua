-- send: a running script publishes a message to a destination stream (fenced, so a run that
-- lost its instance to another worker cannot publish).
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:out:{to}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq   ARGV[4] = body (JSON)
-- Returns the stream entry id, or false when fenced off.
if not owns(KEYS[1], ARGV[3]) then return false end
return redis.call('XADD', KEYS[2], '*', 'from', ARGV[2], 'body', ARGV[4])
