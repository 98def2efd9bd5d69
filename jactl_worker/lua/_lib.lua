-- Shared helpers, prepended to every transition script when it is loaded (store.py).
--
-- Convention for every script: ARGV[1] is the key prefix. The primary keys of a transition come
-- in KEYS; secondary keys named inside a record (an instance named by a wait, the state indexes)
-- are built here from the prefix. Fine on one Redis (with replicas/Sentinel); not meant for
-- Redis Cluster, which RQ does not support either.

local PREFIX = ARGV[1]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function k_instance(id) return PREFIX .. ':instance:' .. id end
local function k_point(id) return PREFIX .. ':point:' .. id end
local function k_output(id) return PREFIX .. ':output:' .. id end
local function k_wait(corr) return PREFIX .. ':wait:' .. corr end
local function k_state(state) return PREFIX .. ':state:' .. state end
local function k_out(to) return PREFIX .. ':out:' .. to end
local K_ALL = PREFIX .. ':all'
local K_LEASES = PREFIX .. ':leases'
local K_PENDING = PREFIX .. ':pending'
local K_DEADLINES = PREFIX .. ':deadlines'
local K_NOTICES = PREFIX .. ':notices'
local K_INBOX = PREFIX .. ':inbox'
local K_WAITS_BY_CORR = PREFIX .. ':waits-by-corr'
local function k_history(id) return PREFIX .. ':history:' .. id end

-- History (history.py reads it). One stream entry per event an instance goes through, written
-- by the transition that makes it, so an entry and its transition are one atomic step.
-- Events between runs that always lead to a run (a reply or timeout resolving the wait, a
-- claim starting the run) are not entries of their own: the claim copies them into the
-- instance record (the run_* fields), and the entry that ends the run - parked, checkpoint,
-- completed, failed, cancelled, lease-lapsed - carries them (RUN_FIELDS). A cycle costs one
-- XADD, and history.py shows every event, the pending ones read from the live records.
-- HISTORY_MAXLEN is prepended by store.py from the settings.
local RUN_FIELDS = {'worker', 'run_at', 'run_from', 'run_resolution', 'run_resolved_at',
  'run_message_id', 'run_corr', 'lapses'}

-- HMGET of the instance record: ``fields`` first, then RUN_FIELDS. Returns the values of
-- ``fields`` (a table indexed 1..#fields) and the run's field/value pairs for history()
-- (empty when no run is on record).
local function read_run(ikey, fields)
  local all = {}
  for i, f in ipairs(fields) do all[i] = f end
  for _, f in ipairs(RUN_FIELDS) do all[#all + 1] = f end
  local v = redis.call('HMGET', ikey, unpack(all))
  local run = {}
  local n = #fields
  if v[n + 2] and v[n + 2] ~= '' then
    for i, f in ipairs(RUN_FIELDS) do
      local x = v[n + i]
      if x and x ~= '' then run[#run + 1] = f; run[#run + 1] = x end
    end
  end
  return v, run
end

-- Append event ``ev`` at ``at`` (ms) with field/value pairs ``more`` and ``run`` (either may be nil).
local function history(id, at, ev, more, run)
  local args = {'XADD', k_history(id), 'MAXLEN', '~', HISTORY_MAXLEN, '*', 'ev', ev, 'at', at}
  if more then for _, x in ipairs(more) do args[#args + 1] = x end end
  if run then for _, x in ipairs(run) do args[#args + 1] = x end end
  redis.call(unpack(args))
end

-- The lex index of live waits, "corr NUL instance" at score 0 (find_waiting in inspect.py).
local function index_wait(corr, id) redis.call('ZADD', K_WAITS_BY_CORR, 0, corr .. '\0' .. id) end
local function unindex_wait(corr, id) redis.call('ZREM', K_WAITS_BY_CORR, corr .. '\0' .. id) end
-- Move an instance between state indexes and stamp the change on its record (with ``more``
-- field/value pairs written in the same HSET). Running instances have no state index of
-- their own: {p}:leases holds exactly them (every claim adds, every exit from running removes).
local function set_state(ikey, id, old, new, now, more)
  if old and old ~= '' and old ~= 'running' then redis.call('ZREM', k_state(old), id) end
  if new ~= 'running' then redis.call('ZADD', k_state(new), now, id) end
  if more then
    redis.call('HSET', ikey, 'state', new, 'updated_at', now, unpack(more))
  else
    redis.call('HSET', ikey, 'state', new, 'updated_at', now)
  end
end

-- True when the job holding run_seq still owns the running instance (the fencing check).
local function owns(ikey, run_seq)
  local st = redis.call('HMGET', ikey, 'state', 'run_seq')
  return st[1] == 'running' and st[2] == run_seq
end

-- True while an inbox entry is read but not yet acknowledged by the listeners' group: a
-- listener may still die and the entry be delivered again.
local function entry_pending(entry)
  if not entry or entry == '' then return false end
  local r = redis.pcall('XPENDING', K_INBOX, 'listeners', entry, entry, 1)
  return type(r) == 'table' and #r > 0
end

-- End an instance (completed, failed or cancelled): record the outcome, free its restart
-- point, publish the outcome to its reply_to stream (``reply_to``: the record's field,
-- when the caller read it already) and append it to the history (``run``: read_run's pairs,
-- when it ended a run; ``more``: extra field/value pairs of the history entry).
local function ended(ikey, id, old, outcome, payload, ttl, now, reply_to, run, more)
  redis.call('DEL', k_point(id))
  local ev = {}
  if outcome ~= 'completed' then ev = {'error', string.sub(payload, 1, 500)} end
  if more then for _, x in ipairs(more) do ev[#ev + 1] = x end end
  history(id, now, outcome, ev, run)
  local field = outcome == 'completed' and 'result' or 'error'
  set_state(ikey, id, old, outcome, now, {field, payload, 'ended_at', now, 'worker', '',
    'lease_until', '', 'point', 'ended', 'waiting_on', '', 'timeout_at', ''})
  redis.call('ZREM', K_LEASES, id)
  if reply_to == nil then reply_to = redis.call('HGET', ikey, 'reply_to') end
  if reply_to and reply_to ~= '' then
    redis.call('XADD', k_out(reply_to), '*', 'from', id, 'state', outcome, field, payload)
  end
  if ttl ~= '' then
    redis.call('EXPIRE', ikey, ttl)
    redis.call('EXPIRE', k_output(id), ttl)
    redis.call('EXPIRE', k_history(id), ttl)
  end
end

local function notice(maxlen, kind, corr, message_id, instance, detail)
  redis.call('XADD', K_NOTICES, 'MAXLEN', '~', maxlen, '*',
    'kind', kind, 'correlation_id', corr or '', 'message_id', message_id or '',
    'instance', instance or '', 'detail', detail or '', 'at', now_ms())
end

local function k_ready(queue) return PREFIX .. ':ready:' .. queue end
local function k_drainers(queue) return PREFIX .. ':drainers:' .. queue end

-- Ready sets and drainers (drain.py explains the run model). MAX_DRAINERS and DRAINER_TTL_MS
-- are prepended by store.py from the settings.
-- A token for one more drain job on a queue, if fewer than MAX_DRAINERS live ones hold one
-- (a token expires DRAINER_TTL_MS after its drainer last claimed, so a killed drainer frees
-- its place; expired ones are removed by drain_exit and wake); false otherwise. The caller
-- enqueues one drain job per token it gets.
local function drainer_token(dkey, now)
  if redis.call('ZCOUNT', dkey, '(' .. now, '+inf') >= MAX_DRAINERS then return false end
  local token = 't' .. redis.call('INCR', PREFIX .. ':drainer-seq')
  redis.call('ZADD', dkey, now + DRAINER_TTL_MS, token)
  return token
end

-- True if the ready set holds an id whose time has come.
local function any_due(rkey, now)
  return #redis.call('ZRANGEBYSCORE', rkey, '-inf', now, 'LIMIT', 0, 1) > 0
end

-- The instance becomes runnable at ``at`` (ms): it joins its queue's ready set. Returns a
-- drainer token when it is due now and the queue has room for one more drainer.
local function make_ready(id, queue, at, now)
  redis.call('ZADD', k_ready(queue), at, id)
  if at > now then return false end
  return drainer_token(k_drainers(queue), now)
end

-- A queue's ready ids due now and room for one more drainer: a token for it, else false.
local function wake(queue, now)
  if not any_due(k_ready(queue), now) then return false end
  return drainer_token(k_drainers(queue), now)
end

-- Take a queued instance for run ``run_seq`` and lease it to ``worker`` (claim.lua, and
-- claim_next.lua for a drainer's batch: run_seq false = whatever run is queued, and the id
-- is already out of the ready set). Returns {0, reason} when the run is stale, else
-- {1, script hash, globals, point, checkpoint_id, reply_to, continuation|false, value|false,
--  wait_kind, queue, sequence}. The continuation comes only from the instance's own restart
-- point record, and only if that record names this instance and the point the instance
-- record says it is at.
local function claim_one(id, run_seq, worker, lease_ms, now)
  local ikey, pkey = k_instance(id), k_point(id)
  local f = redis.call('HMGET', ikey, 'script', 'globals', 'point', 'checkpoint_id',
    'reply_to', 'wait_kind', 'queue', 'state', 'run_seq', 'started_at', 'runs')
  if not f[8] then return {0, 'missing'} end
  if f[8] ~= 'queued' then return {0, f[8]} end
  if run_seq and f[9] ~= run_seq then return {0, 'stale'} end
  local lease_until = now + tonumber(lease_ms)
  local runs = (tonumber(f[11]) or 0) + 1
  local cont, value, seq = false, false, ''
  -- what this run starts from, for the history entry that will end it (RUN_FIELDS)
  local resolution, resolved_at, message_id, corr = '', '', '', ''
  if f[3] == 'wait' or f[3] == 'checkpoint' then
    local p = redis.call('HMGET', pkey, 'instance', 'kind', 'continuation', 'value', 'seq', 'status',
      'resolution', 'resolved_at', 'message_id', 'corr')
    if p[1] == id and p[2] == f[3] then
      cont, seq = p[3], p[5] or ''
      if f[3] == 'wait' and p[6] == 'resolved' then
        value = p[4]
        resolution, resolved_at, message_id, corr = p[7] or '', p[8] or '', p[9] or '', p[10] or ''
      end
    end
  end
  local more = {'worker', worker, 'lease_until', lease_until, 'runs', runs, 'run_at', now,
    'run_from', f[3], 'run_resolution', resolution, 'run_resolved_at', resolved_at,
    'run_message_id', message_id, 'run_corr', corr}
  if f[10] == '' then more[#more + 1] = 'started_at'; more[#more + 1] = now end
  set_state(ikey, id, 'queued', 'running', now, more)
  redis.call('ZADD', K_LEASES, lease_until, id)
  if run_seq and f[7] then
    redis.call('ZREM', k_ready(f[7]), id)
    redis.call('ZREM', K_PENDING, id)  -- an entry an older version made
  end
  return {1, f[1], f[2], f[3], f[4], f[5], cont, value, f[6], f[7], seq, f[9]}
end

-- Waits on several ids at once (receiveAny / receiveAll, park_many.lua). The restart point
-- lists the ids (c1..cn, and j1..jn: each id JSON-encoded by the worker, to build the resume
-- value here without a JSON library); each id has its own wait record naming the instance,
-- the wait_seq and the group's record, whose synthetic id is the instance's waiting_on and
-- carries the one deadline. Whatever resolves the group (a reply, the last reply, the
-- timeout, a cancel) settles every record of it in one step.
local MULTI = {receiveAny = true, receiveAll = true}
local function group_corr(id, wait_seq) return 'multi:' .. id .. ':' .. wait_seq end

-- The resume value of a receiveAll: {id: body or null, ...} in the order of the ids.
local function all_value(pkey, n)
  local fields = {}
  for i = 1, n do fields[#fields + 1] = 'j' .. i; fields[#fields + 1] = 'v' .. i end
  local v = redis.call('HMGET', pkey, unpack(fields))
  local parts = {}
  for i = 1, n do parts[i] = v[2 * i - 1] .. ':' .. (v[2 * i] or 'null') end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- Settle every record of the group (instance ``id``, ``wait_seq``) that still waits: with
-- ``how`` (sibling: another id answered a receiveAny; timeout; cancelled), then drop the
-- group from the indexes. ``ttl``: the wait records' TTL from resolution on.
local function settle_group(id, pkey, wait_seq, how, run_seq, now, ttl)
  local n = tonumber(redis.call('HGET', pkey, 'n')) or 0
  for i = 1, n do
    local corr = redis.call('HGET', pkey, 'c' .. i)
    local wk = k_wait(corr)
    local w = redis.call('HMGET', wk, 'instance', 'wait_seq', 'status')
    if w[1] == id and w[2] == wait_seq then
      if w[3] == 'waiting' then
        if how == 'cancelled' then
          redis.call('HSET', wk, 'status', 'cancelled')
        else
          redis.call('HSET', wk, 'status', 'resolved', 'resolution', how, 'run_seq', run_seq, 'resolved_at', now)
        end
      end
      redis.call('EXPIRE', wk, ttl)
      unindex_wait(corr, id)
    end
  end
  local g = group_corr(id, wait_seq)
  local gk = k_wait(g)
  if redis.call('HGET', gk, 'status') == 'waiting' then
    if how == 'cancelled' then
      redis.call('HSET', gk, 'status', 'cancelled')
    else
      local r = how
      if how == 'sibling' then r = 'reply' end
      redis.call('HSET', gk, 'status', 'resolved', 'resolution', r, 'run_seq', run_seq, 'resolved_at', now)
    end
  end
  redis.call('EXPIRE', gk, ttl)
  redis.call('ZREM', K_DEADLINES, g)
end
