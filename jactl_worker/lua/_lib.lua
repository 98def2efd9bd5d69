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

-- Move an instance between state indexes and stamp the change on its record.
local function set_state(ikey, id, old, new, now)
  if old and old ~= '' then redis.call('ZREM', k_state(old), id) end
  redis.call('ZADD', k_state(new), now, id)
  redis.call('HSET', ikey, 'state', new, 'updated_at', now)
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
-- point and publish the outcome to its reply_to stream.
local function ended(ikey, id, old, outcome, payload, ttl, now)
  redis.call('DEL', k_point(id))
  local field = outcome == 'completed' and 'result' or 'error'
  redis.call('HSET', ikey, field, payload, 'ended_at', now, 'worker', '', 'lease_until', '',
    'point', 'ended', 'waiting_on', '', 'timeout_at', '')
  set_state(ikey, id, old, outcome, now)
  redis.call('ZREM', K_LEASES, id)
  local reply_to = redis.call('HGET', ikey, 'reply_to')
  if reply_to and reply_to ~= '' then
    redis.call('XADD', k_out(reply_to), '*', 'from', id, 'state', outcome, field, payload)
  end
  if ttl ~= '' then
    redis.call('EXPIRE', ikey, ttl)
    redis.call('EXPIRE', k_output(id), ttl)
  end
end

local function notice(maxlen, kind, corr, message_id, instance, detail)
  redis.call('XADD', K_NOTICES, 'MAXLEN', '~', maxlen, '*',
    'kind', kind, 'correlation_id', corr or '', 'message_id', message_id or '',
    'instance', instance or '', 'detail', detail or '', 'at', now_ms())
end
