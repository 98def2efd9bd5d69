from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jactl_worker import codec
from jactl_worker.config import Settings
from jactl_worker.errors import InvalidMessage
from jactl_worker.keys import JOB_ID_PATTERN, Keys


def test_decimals_are_written_as_exact_json_numbers():
    assert codec.dumps({"a": Decimal("12.50"), "b": [1, 2.5, None, True]}) == '{"a":12.50,"b":[1,2.5,null,true]}'
    assert codec.loads("12.50") == Decimal("12.50")
    assert codec.loads("[1, 2]") == [1, 2]


def test_values_json_cannot_hold_are_strings_or_errors():
    assert codec.dumps(float("nan")) == '"NaN"'
    assert codec.dumps(float("-inf")) == '"-Infinity"'
    with pytest.raises(InvalidMessage):
        codec.dumps(object())
    assert codec.dumps({"f": print}, strict=False).startswith('{"f":"<built-in')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_json_round_trips_keep_decimals_exact(value):
    back = codec.loads(codec.dumps(value))
    assert codec.dumps(back) == codec.dumps(value)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("JACTL_REDIS_URL", "rediss://user:pw@example:6380/1")
    monkeypatch.setenv("JACTL_PREFIX", "app")
    monkeypatch.setenv("JACTL_LEASE_MS", "2500")
    monkeypatch.setenv("JACTL_ENDED_TTL_S", "60")
    s = Settings.from_env()
    assert (s.redis_url, s.prefix, s.lease_ms, s.ended_ttl_s) == ("rediss://user:pw@example:6380/1", "app", 2500, 60)
    assert Settings.from_env(prefix="other").prefix == "other"
    with pytest.raises(ValueError):
        Settings(prefix="bad prefix")


def test_every_key_is_under_the_prefix_and_job_ids_are_valid_for_rq():
    k = Keys("p")
    names = [k.instance("i"), k.point("i"), k.wait("c"), k.mailbox("c"), k.script("h"), k.all,
             k.state("waiting"), k.leases, k.pending, k.deadlines, k.inbox, k.out("x"), k.notices, k.reaper]
    assert all(n.startswith("p:") for n in names)
    assert len(set(names)) == len(names)
    assert JOB_ID_PATTERN.fullmatch(k.run_job_id("order:1/ä", 3))
    assert JOB_ID_PATTERN.fullmatch(k.timeout_job_id("weird id:ü", 1))
    assert k.run_job_id("a", 1) != Keys("q").run_job_id("a", 1)
