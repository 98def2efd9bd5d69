"""Finding 7: with an HMAC key, a checkpoint is accepted only for the instance that saved it
and only if it is the newest one saved (EmbeddedFleet, which signs with a key of its own)."""

from jactl_worker.keys import script_hash

TWO_WAITS = "def a = receive('a-' + instanceId, 60000)\ndef b = receive('b-' + instanceId, 60000)\n[a, b, instanceId]"


def _park(fleet, iid):
    fleet.step()
    assert fleet.client.status(iid)["state"] == "waiting"
    return fleet.client.store.point(iid)


def test_a_signed_checkpoint_of_another_instance_is_refused(fleet):
    a = fleet.client.start(TWO_WAITS)
    b = fleet.client.start(TWO_WAITS)
    _park(fleet, a)
    pb = _park(fleet, b)
    fleet.redis.hset(fleet.client.store.keys.point(a), mapping={"continuation": pb["continuation"]})
    fleet.client.deliver(f"a-{a}", 1)
    st = fleet.run_instance(a, 10)
    assert st["state"] == "failed" and f"belongs to instance '{b}'" in st["error"]


def test_an_older_signed_checkpoint_is_refused_in_place_of_the_newer_one(fleet):
    iid = fleet.client.start(TWO_WAITS)
    old = _park(fleet, iid)
    fleet.client.deliver(f"a-{iid}", 1)
    fleet.step()
    new = _park(fleet, iid)
    assert int(new["seq"]) > int(old["seq"])
    fleet.redis.hset(fleet.client.store.keys.point(iid), mapping={"continuation": old["continuation"]})
    fleet.client.deliver(f"b-{iid}", 2)
    st = fleet.run_instance(iid, 10)
    assert st["state"] == "failed" and "sequence" in st["error"]


def test_the_genuine_bytes_resume(fleet):
    iid = fleet.client.start(TWO_WAITS)
    _park(fleet, iid)
    fleet.client.deliver(f"a-{iid}", 1)
    fleet.step()
    fleet.client.deliver(f"b-{iid}", 2)
    assert fleet.run_instance(iid, 10)["result"] == [1, 2, iid]
    assert script_hash(TWO_WAITS) == fleet.client.status(iid)["script"]
