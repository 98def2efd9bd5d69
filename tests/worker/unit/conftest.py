"""Unit tests run the real jactl_worker code on an in-process fakeredis (with Lua via lupa):
the same keys, Lua transitions, RQ jobs and JSON serializer as a real fleet, one process."""

import fakeredis
import pytest

from jactl_worker.config import Settings
from jactl_worker.embedded import EmbeddedFleet


@pytest.fixture
def redis():
    return fakeredis.FakeRedis()


@pytest.fixture
def settings():
    return Settings(prefix="t", queue="tq", lease_ms=1000, reap_interval_ms=100, claim_idle_ms=0,
                    requeue_after_ms=0, timeout_grace_ms=0)


@pytest.fixture
def fleet(redis, settings):
    return EmbeddedFleet(settings, connection=redis)
