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
local function k_checkpoint(id) return PREFIX .. ':checkpoint:' .. id end
local function k_wait(corr) return PREFIX .. ':wait:' .. corr end
local function k_state(state) return PREFIX .. ':state:' .. state end
local function k_out(to) return PREFIX .. ':out:' .. to end
local K_ALL = PREFIX .. ':all'
local K_LEASES = PREFIX .. ':leases'
local K_PENDING = PREFIX .. ':pending'
local K_DEADLINES = PREFIX .. ':deadlines'
local K_NOTICES = PREFIX .. ':notices'

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

-- Drop the continuation bytes of the instance's current restart point (it is superseded).
-- A wait record stays (without its bytes) so late replies can still be recognised.
local function drop_point(ikey, id, keep_key, wait_ttl)
  local p = redis.call('HMGET', ikey, 'point', 'point_key')
  if p[2] and p[2] ~= '' and p[2] ~= keep_key then
    if p[1] == 'wait' then
      redis.call('HDEL', p[2], 'continuation')
      redis.call('EXPIRE', p[2], wait_ttl)
    elseif p[1] == 'checkpoint' then
      redis.call('DEL', p[2])
    end
  end
end

local function notice(maxlen, kind, corr, message_id, instance, detail)
  redis.call('XADD', K_NOTICES, 'MAXLEN', '~', maxlen, '*',
    'kind', kind, 'correlation_id', corr or '', 'message_id', message_id or '',
    'instance', instance or '', 'detail', detail or '', 'at', now_ms())
end
