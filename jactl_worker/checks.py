"""Startup checks of the Redis a fleet runs on.

Everything a fleet knows lives in Redis: parked scripts (their continuations), waits, buffered
replies, the inbox. Two settings of Redis decide whether that survives:

* persistence - without AOF (``appendonly yes``) or RDB ``save`` points, a restart of Redis
  loses every parked script. The fleet then cannot even tell: the keys are simply gone.
* ``maxmemory-policy`` - any policy other than ``noeviction`` lets Redis delete keys under
  memory pressure, parked scripts among them. With ``noeviction`` writes fail loudly instead
  (the instance or the reply is retried), which is what a job system needs.

``check_redis`` is called as ``jactl-worker worker`` and ``listen`` start. It warns and goes
on: the operator may know better (a test Redis, a replica set up elsewhere), and a process
that refused to start would turn a configuration smell into an outage. A managed Redis that
refuses CONFIG GET gets one info line.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError, ResponseError


def _config(connection, name: str) -> str:
    value = connection.config_get(name).get(name, "")
    return value.decode() if isinstance(value, bytes) else str(value)


def check_redis(connection, log: logging.Logger) -> list[str]:
    """Warn (once per problem, at WARNING) about a Redis that would lose the fleet's state.
    Returns the problems found, empty when all is well or the configuration is hidden."""
    try:
        appendonly = _config(connection, "appendonly")
        save = _config(connection, "save").strip()
        policy = _config(connection, "maxmemory-policy")
    except ResponseError as e:  # CONFIG disabled, renamed or denied by an ACL (managed Redis)
        log.info("cannot read Redis' configuration (%s); make sure it persists data (appendonly yes) "
                 "and uses maxmemory-policy noeviction", str(e).splitlines()[0][:120])
        return []
    except RedisError as e:  # unreachable: the process's own retries will say more
        log.warning("could not check Redis' configuration: %s", e)
        return []
    problems = []
    if appendonly != "yes" and not save:
        problems.append("Redis does not persist its data (appendonly no, no save points): a restart "
                        "of Redis loses every parked script, wait and unhandled reply. "
                        "Set appendonly yes (see deploy/README.md).")
    elif appendonly != "yes":
        log.info("Redis persists by RDB snapshots only (save %s): a crash loses the writes since the "
                 "last snapshot; appendonly yes loses at most a second", save)
    if policy != "noeviction":
        problems.append(f"Redis' maxmemory-policy is {policy!r}: under memory pressure Redis deletes "
                        "keys, parked scripts among them. Set maxmemory-policy noeviction.")
    for p in problems:
        log.warning("REDIS CONFIGURATION: %s", p)
    return problems
