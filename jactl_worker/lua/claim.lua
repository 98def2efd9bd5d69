-- claim: a run job takes a queued instance and leases it to its worker (claim_one in _lib).
-- KEYS[1] = {p}:instance:{id}
-- KEYS[2] = {p}:point:{id}
-- ARGV[1] = prefix   ARGV[2] = instance id   ARGV[3] = run_seq the job was enqueued with
-- ARGV[4] = worker name   ARGV[5] = lease (ms)
-- Returns {0, reason} when the job is stale (another run owns or ended the instance), else
-- {1, script hash, globals, point, checkpoint_id, reply_to, continuation|false, value|false,
--  wait_kind, queue, sequence}: where to start and, for a resolved wait, the value to resume
-- with.
local c = claim_one(ARGV[2], ARGV[3], ARGV[4], ARGV[5], now_ms())
c[12] = nil
return c
