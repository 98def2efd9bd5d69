"""Startup checks: a Redis that would lose the fleet's state is named loudly at start."""

import logging

from jactl_worker.checks import check_redis


class ConfiguredRedis:
    """Answers CONFIG GET like a real Redis with the given settings (the real thing is in
    tests/worker/integration/test_listener_faults.py)."""

    def __init__(self, **config):
        self.config = {k.replace("_", "-"): v for k, v in config.items()}

    def config_get(self, name):
        return {name: self.config[name]}


def _check(connection, caplog):
    with caplog.at_level(logging.INFO, "t"):
        problems = check_redis(connection, logging.getLogger("t"))
    return problems, [(r.levelname, r.getMessage()) for r in caplog.records]


def test_a_redis_without_persistence_or_with_eviction_is_warned_about(caplog):
    problems, logged = _check(ConfiguredRedis(appendonly="no", save="", maxmemory_policy="allkeys-lru"), caplog)
    assert len(problems) == 2
    assert [lvl for lvl, _ in logged] == ["WARNING", "WARNING"]
    assert "does not persist" in logged[0][1] and "'allkeys-lru'" in logged[1][1]


def test_a_well_configured_redis_passes_quietly(caplog):
    problems, logged = _check(ConfiguredRedis(appendonly="yes", save="3600 1", maxmemory_policy="noeviction"), caplog)
    assert problems == [] and logged == []


def test_rdb_only_is_an_info_line(caplog):
    problems, logged = _check(ConfiguredRedis(appendonly="no", save="60 1000", maxmemory_policy="noeviction"), caplog)
    assert problems == [] and [lvl for lvl, _ in logged] == ["INFO"]


def test_a_redis_that_refuses_config_get_is_one_info_line(redis, caplog):
    # fakeredis, like many managed Redis services, does not serve CONFIG GET
    problems, logged = _check(redis, caplog)
    assert problems == []
    [(level, message)] = logged
    assert level == "INFO" and "cannot read Redis' configuration" in message
