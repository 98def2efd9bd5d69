-- deliver: a reply for a correlation id. Exactly one of reply and timeout resolves a wait;
-- anything after that is recorded (notices stream) and resumes nothing.
-- KEYS[1] = {p}:wait:{corr}
-- KEYS[2] = {p}:mailbox:{corr}
-- ARGV[1] = prefix   ARGV[2] = correlation id   ARGV[3] = body (JSON)   ARGV[4] = message id
-- ARGV[5] = mailbox TTL (s)   ARGV[6] = notices maxlen   ARGV[7] = inbox stream entry id
-- ARGV[8] = wait record TTL (s), from resolution on
-- Sharded fleets (shards.py) also pass KEYS[3] = {p}:route:{corr} and ARGV[9] = this shard's
-- index: when an instance of another shard waits on the id (route.lua), the reply is not
-- delivered here but answered {4, shard}: the listener forwards it to that shard's inbox.
-- Returns {1, instance, run_seq, queue, wait_seq, has_deadline, token|false}
--                                        resolved: enqueue a run job for run_seq (and the
--                                        wait's timeout job is no longer needed)
--       | {3, instance, run_seq, queue, token|false}  this same stream entry resolved the wait before (it is
--                                        being redelivered after a listener died), and the run
--                                        job may never have been enqueued: enqueue it again
--       | {2, 'buffered'}                no wait yet: kept in the mailbox for the wait to come
--       | {0, kind}                      resumed nothing: duplicate, late or rejected
-- The reply's body becomes the resume value in the waiting instance's own point record, and
-- only if that record is the very wait this record names (instance and wait_seq).
local wkey, mkey = KEYS[1], KEYS[2]
if KEYS[3] and ARGV[9] and ARGV[9] ~= '' then
  local to = redis.call('HGET', KEYS[3], 'shard')
  if to and to ~= ARGV[9] then return {4, to} end
end
local corr, body, mid, maxlen = ARGV[2], ARGV[3], ARGV[4], ARGV[6]
local entry = ARGV[7]
local w = redis.call('HMGET', wkey, 'status', 'instance', 'kind', 'message_id', 'resolution', 'run_seq', 'entry',
  'wait_seq', 'deadline', 'prev_entry', 'prev_instance', 'prev_run_seq', 'group', 'group', 'json')
local status, id = w[1], w[2]

-- The entry that resolved an earlier use of this id, delivered again after a listener died.
local function redelivered(rid, rseq)
  local inst = redis.call('HMGET', k_instance(rid), 'state', 'run_seq', 'queue')
  if inst[1] == 'queued' and inst[2] == rseq then return {3, rid, inst[2], inst[3], wake(inst[3], now_ms())} end
  return nil
end

if entry ~= '' and w[10] == entry then
  local again = redelivered(w[11], w[12])
  if again then return again end
  return {0, 'redelivered'}
end

if not status then
  if redis.call('EXISTS', mkey) == 1 then
    notice(maxlen, 'duplicate', corr, mid, '', 'a reply for this correlation id is already buffered')
    return {0, 'duplicate'}
  end
  redis.call('HSET', mkey, 'body', body, 'message_id', mid, 'at', now_ms())
  redis.call('EXPIRE', mkey, ARGV[5])
  notice(maxlen, 'buffered', corr, mid, '', 'no wait on this correlation id yet; buffered for ' .. ARGV[5] .. ' s')
  return {2, 'buffered'}
end

local ikey = k_instance(id)
if status == 'waiting' and MULTI[w[3]] and w[13] ~= '1' then
  -- one id of a receiveAny / receiveAll (_lib.lua, MULTI)
  local inst = redis.call('HMGET', ikey, 'state', 'waiting_on', 'queue', 'run_seq')
  local pkey = k_point(id)
  local p = redis.call('HMGET', pkey, 'instance', 'kind', 'wait_seq', 'status', 'n')
  if inst[1] ~= 'waiting' or inst[2] ~= w[14] or p[1] ~= id or p[2] ~= 'wait'
      or p[3] ~= w[8] or p[4] ~= 'waiting' then
    notice(maxlen, 'late', corr, mid, id, 'instance is no longer waiting on this correlation id')
    return {0, 'late'}
  end
  local now = now_ms()
  local n = tonumber(p[5])
  local value
  if w[3] == 'receiveAny' then
    value = '{"id":' .. w[15] .. ',"body":' .. body .. '}'
  else
    local i = 1
    while i <= n and redis.call('HGET', pkey, 'c' .. i) ~= corr do i = i + 1 end
    redis.call('HSET', pkey, 'v' .. i, body)
    if redis.call('HINCRBY', pkey, 'got', 1) < n then
      -- kept in the point until the last id answers or the deadline comes
      redis.call('HSET', wkey, 'status', 'resolved', 'resolution', 'reply', 'message_id', mid,
        'entry', entry, 'run_seq', '', 'resolved_at', now)
      unindex_wait(corr, id)
      return {0, 'stored'}
    end
    value = all_value(pkey, n)
  end
  local run_seq = tonumber(inst[4]) + 1
  redis.call('HSET', wkey, 'status', 'resolved', 'resolution', 'reply',
    'message_id', mid, 'entry', entry, 'run_seq', run_seq, 'resolved_at', now)
  settle_group(id, pkey, w[8], 'sibling', run_seq, now, ARGV[8])
  redis.call('HSET', pkey, 'status', 'resolved', 'value', value, 'resolution', 'reply',
    'resolved_at', now, 'message_id', mid, 'corr', corr)
  set_state(ikey, id, 'waiting', 'queued', now, {'run_seq', run_seq})
  local timed = 0
  if w[9] and w[9] ~= '' then timed = 1 end
  return {1, id, run_seq, inst[3], w[8], timed, make_ready(id, inst[3], now, now)}
end

if status == 'waiting' then
  if w[3] ~= 'receive' then
    notice(maxlen, 'rejected', corr, mid, id, 'correlation id names a sleep or a receiveAny/receiveAll group, not a receive')
    return {0, 'rejected'}
  end
  local inst = redis.call('HMGET', ikey, 'state', 'waiting_on', 'queue', 'run_seq')
  local pkey = k_point(id)
  local p = redis.call('HMGET', pkey, 'instance', 'kind', 'wait_seq', 'status')
  if inst[1] ~= 'waiting' or inst[2] ~= corr or p[1] ~= id or p[2] ~= 'wait'
      or p[3] ~= w[8] or p[4] ~= 'waiting' then
    notice(maxlen, 'late', corr, mid, id, 'instance is no longer waiting on this correlation id')
    return {0, 'late'}
  end
  local now = now_ms()
  local run_seq = tonumber(inst[4]) + 1  -- written with the state change below
  redis.call('HSET', wkey, 'status', 'resolved', 'resolution', 'reply',
    'message_id', mid, 'entry', entry, 'run_seq', run_seq, 'resolved_at', now)
  redis.call('EXPIRE', wkey, ARGV[8])
  redis.call('HSET', pkey, 'status', 'resolved', 'value', body, 'resolution', 'reply',
    'resolved_at', now, 'message_id', mid)
  unindex_wait(corr, id)
  set_state(ikey, id, 'waiting', 'queued', now, {'run_seq', run_seq})
  redis.call('ZREM', K_DEADLINES, corr)
  local timed = 0
  if w[9] and w[9] ~= '' then timed = 1 end
  return {1, id, run_seq, inst[3], w[8], timed, make_ready(id, inst[3], now, now)}
end

if status == 'resolved' and w[7] == entry and w[5] == 'reply' then
  local again = redelivered(id, w[6])
  if again then return again end
  if MULTI[w[3]] and entry ~= '' then return {0, 'redelivered'} end
end
redis.call('HINCRBY', wkey, 'late', 1)
local kind, detail = 'duplicate', 'the wait was already resolved by message ' .. (w[4] or '')
if status == 'cancelled' then
  kind, detail = 'late', 'the instance was cancelled'
elseif w[5] == 'sibling' then
  kind, detail = 'late', 'the receiveAny was already answered by another correlation id'
elseif w[5] == 'timeout' then
  kind, detail = 'late', 'the wait had already timed out'
end
notice(maxlen, kind, corr, mid, id, detail)
return {0, kind}
