"""Restorer.restore on bad input: every failure is a CheckpointError, never anything else.

Covers the envelope (size, magic, version, flags, lengths, digest, HMAC), the body (forged
bodies sealed with a valid digest, so the decoder's own checks are what rejects them), code
that does not match (unknown script, unknown function, changed layout) and fuzzing with
hypothesis: truncations, single-byte mutations, random bytes and random sealed bodies.
"""

import time

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from lang.checkpoint import decoder
from lang.checkpoint.encoder import encode
from lang.checkpoint import format as F
from lang.checkpoint.encoder import seal
from lang.errors import CheckpointError
from lang.runtime.continuation import (SERIALIZABLE, CodeFrame, Continuation, serializable)
from lang.runtime.functions import BoundMethod, Closure, FunctionInfo
from lang.runtime.types import MISSING, Byte, Cell, JArray, Long
from decimal import Decimal


class Checkpointer:
    """The codec alone (``encoder.encode``): these graphs are synthetic, not states a Jactl
    run reaches; whether a state makes sense is ``validate.py``'s business, tested with real
    scripts in test_integrity.py."""
    save = staticmethod(encode)


class Restorer:
    """The codec alone (``decoder.decode``), as above."""

    @staticmethod
    def restore(ctx, data, **kw):
        dec = decoder.decode(ctx, data, **kw)
        dec.instance.set_restored(dec.globals, dec.state)
        return Continuation(dec.frames, dec.instance)

HASH = "rejects-hash-42"
KEY = b"k" * 32


# --- fakes (same shape as in test_format.py) ------------------------------------------------

def _dummy(*args, **kwargs):  # pragma: no cover
    raise AssertionError("checkpoint code must not call compiled functions")


def make_fn(fid, layout="L1", may_suspend=True):
    return FunctionInfo(HASH, fid, f"f{fid}", _dummy, (), (), 0, may_suspend, True, layout)


class FakeCtx:
    def __init__(self, fns, hmac_key=None, max_checkpoint_size=1 << 20, script_hash=HASH):
        self.hmac_key = hmac_key
        self.max_checkpoint_size = max_checkpoint_size
        self.scripts = {script_hash: {f.id: f for f in fns}}

    def instance_for_restore(self, script_hash):
        return FakeInstance(self, script_hash, self.scripts[script_hash])


class FakeInstance:
    def __init__(self, ctx, script_hash, fns):
        self.context = ctx
        self.script_hash = script_hash
        self.fns = fns
        self.globals = {}
        self.state = {"instance_id": "i", "checkpoint_id": 1}

    def function(self, fid):
        return self.fns.get(fid)

    def set_restored(self, globals_, state):
        self.globals = globals_
        self.state = state


@serializable
class Trio:
    TAG = "test.rejects.Trio"
    FIELDS = ("a", "b", "c")
    __slots__ = FIELDS


FNS = [make_fn(1, "L-one"), make_fn(2, "L-two"), make_fn(3, "L-sync", may_suspend=False)]


def ctx_(**kw):
    return FakeCtx(FNS, **kw)


def sample(**kw):
    """A checkpoint with a bit of everything."""
    ctx = ctx_(**kw)
    inst = ctx.instance_for_restore(HASH)
    shared = [1, "two", 3.5]
    cell = Cell(shared)
    trio = Trio()
    trio.a, trio.b, trio.c = shared, Long(7), (Byte(3), Decimal("1.50"))
    inst.globals = {"s": shared, "c": Closure(inst.function(2), (cell,)), "t": trio,
                    "j": JArray("int", [1, 2]), "m": MISSING, "b": BoundMethod(shared, "size"),
                    "big": 2**80, "bytes": b"xy", "neg": -1000}
    frames = [CodeFrame(inst.function(1), 2, (shared, cell, None, True, False))]
    return ctx, Checkpointer.save(Continuation(frames, inst))


CTX, DATA = sample()
SCTX, SDATA = sample(hmac_key=KEY)


def rejects(data, ctx=None, match=None):
    with pytest.raises(CheckpointError, match=match):
        Restorer.restore(ctx or CTX, data)


def restore_or_reject(data, ctx=None):
    """The only acceptable outcomes: a Continuation or a CheckpointError."""
    try:
        cont = Restorer.restore(ctx or CTX, data)
    except CheckpointError:
        return None
    assert isinstance(cont, Continuation)
    return cont


def test_samples_are_valid():
    assert Restorer.restore(CTX, DATA).frames[0].pc == 2
    assert Restorer.restore(SCTX, SDATA).frames[0].pc == 2


# --- body building helpers ------------------------------------------------------------------

def uv(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def s(text):
    b = text.encode("utf-8", "surrogatepass")
    return bytes([F.STR_NEW]) + uv(len(b)) + b


def lst(*vals):
    return bytes([F.LIST]) + uv(len(vals)) + b"".join(vals)


def dct(*pairs):
    return bytes([F.DICT]) + uv(len(pairs) // 2) + b"".join(pairs)


def small(i):
    return bytes([0x80 + i])


NONE = bytes([F.NONE])
EMPTY_DICT = dct()


def root(globals_=EMPTY_DICT, state=EMPTY_DICT, frames=lst()):
    return bytes([F.TUPLE]) + uv(3) + globals_ + state + frames


def fn(fid, layout):
    return bytes([F.FN]) + fid + layout


def frame(fnb, pc=small(0), locals_=bytes([F.TUPLE, 0])):
    return bytes([F.FRAME]) + fnb + pc + locals_


def sealed(body, script_hash=HASH, key=None):
    """A checkpoint around a hand-written body, with a valid digest (and HMAC with a key)."""
    return seal(script_hash, body, key)


def test_hand_built_body_is_valid():
    body = root(dct(s("x"), lst(small(1), NONE)), frames=lst(frame(fn(small(1), s("L-one")))))
    cont = Restorer.restore(CTX, sealed(body))
    assert cont.instance.globals == {"x": [1, None]}
    assert cont.frames[0].fn is CTX.scripts[HASH][1]


# --- envelope -------------------------------------------------------------------------------

def test_not_bytes():
    rejects("JCKP", match="must be bytes")
    rejects(None, match="must be bytes")
    assert Restorer.restore(CTX, bytearray(DATA)).frames
    assert Restorer.restore(CTX, memoryview(DATA)).frames


def test_oversized_rejected_first():
    small_ctx = ctx_(max_checkpoint_size=len(DATA) - 1)
    rejects(DATA, small_ctx, match="larger than the limit")
    rejects(b"\0" * (len(DATA)), small_ctx, match="larger than the limit")  # before magic
    assert Restorer.restore(ctx_(max_checkpoint_size=len(DATA)), DATA)


def test_bad_magic_and_version():
    rejects(b"", match="bad magic")
    rejects(b"PKCJ" + DATA[4:], match="bad magic")
    rejects(DATA[:4] + b"\x00\x01" + DATA[6:], match="format version 1")  # before v2
    rejects(DATA[:4] + b"\x00\x03" + DATA[6:], match="format version 3")
    rejects(DATA[:4] + b"\xff\xff" + DATA[6:], match="format version 65535")


def test_unknown_flags():
    rejects(DATA[:6] + b"\x80" + DATA[7:], match="flags")


def test_length_mismatch():
    rejects(DATA + b"\0", match="length")
    rejects(DATA[:-1], match="length")


def test_digest_mismatch():
    body_at = len(DATA) - F.DIGEST_SIZE - 3
    bad = bytearray(DATA)
    bad[body_at] ^= 1
    rejects(bytes(bad), match="checksum")


def test_hmac_wrong_key():
    rejects(SDATA, ctx_(hmac_key=b"other key"), match="HMAC")


def test_hmac_required():
    rejects(DATA, SCTX, match="not signed")


def test_hmac_checked_before_anything_else():
    """With a key, even a header that would otherwise be valid must carry a valid HMAC; a
    forged, re-digested body does not get as far as the decoder."""
    body = root(dct(s("x"), small(1)))
    unsigned_forgery = sealed(body)
    rejects(unsigned_forgery, SCTX, match="not signed")
    flagged = bytearray(unsigned_forgery)
    flagged[6] = F.FLAG_HMAC
    rejects(bytes(flagged[:-32]) + b"\0" * 32 + bytes(flagged[-32:]), SCTX, match="HMAC")
    forged_with_other_key = sealed(body, key=b"attacker")
    rejects(forged_with_other_key, SCTX, match="HMAC")
    assert Restorer.restore(SCTX, sealed(body, key=KEY)).instance.globals == {"x": 1}


def test_hmac_flipped_bits():
    for i in range(0, len(SDATA), 7):
        bad = bytearray(SDATA)
        bad[i] ^= 0x10
        rejects(bytes(bad), SCTX)


# --- code that does not match ---------------------------------------------------------------

def test_unknown_script():
    data = sealed(root(), script_hash="never-compiled")
    rejects(data, match="names script never-compiled which this context has not compiled")


def test_unknown_function():
    rejects(sealed(root(frames=lst(frame(fn(small(99), s("L")))))),
            match="function 99, which script")
    rejects(sealed(root(frames=lst(frame(fn(s("nope"), s("L")))))),
            match="function 'nope'")
    rejects(sealed(root(frames=lst(frame(fn(lst(), s("L")))))))  # unhashable id


def test_layout_mismatch():
    rejects(sealed(root(frames=lst(frame(fn(small(1), s("L-old")))))),
            match="has changed since the checkpoint")
    changed = FakeCtx([make_fn(1, "L-one-v2"), make_fn(2, "L-two"), make_fn(3, "L-sync")])
    rejects(DATA, changed, match="f1 .*has changed")


def test_frame_of_sync_function():
    rejects(sealed(root(frames=lst(frame(fn(small(3), s("L-sync")))))),
            match="cannot suspend")


def test_function_lookup_raising():
    class Raising(FakeCtx):
        def instance_for_restore(self, h):
            inst = super().instance_for_restore(h)
            inst.function = lambda fid: {}[fid]
            return inst
    rejects(DATA, Raising(FNS), match="does not define")


# --- forged bodies (valid digest) -----------------------------------------------------------

FORGED = {
    "unknown tag": root(bytes([0x1F])),
    "unknown object tag": root(bytes([F.OBJ]) + s("no.such.Class") + uv(0)),
    "field count": root(bytes([F.OBJ]) + s(Trio.TAG) + uv(2) + NONE + NONE),
    "object reference": root(bytes([F.REF]) + uv(0)),
    "string reference": root(bytes([F.STR_REF]) + uv(5)),
    "number too long": root(bytes([F.INT]) + b"\xff" * 11 + b"\x01"),
    "out of range": root(bytes([F.INT]) + b"\xff" * 9 + b"\x7f"),
    "unexpected bytes": root() + NONE,
    "root is not": lst(NONE),
    "root is not ": bytes([F.TUPLE]) + uv(3) + lst() + EMPTY_DICT + lst(),
    "frame list contains": root(frames=lst(small(1))),
    "valid UTF-8": root(dct(bytes([F.STR_NEW, 2, 0xC3, 0x28]), NONE)),
    "malformed decimal": root(dct(s("d"), bytes([F.DECIMAL, 3]) + b"1x2")),
    "unhashable": root(dct(lst(), NONE)),
    "duplicate dict key": root(dct(small(1), NONE, small(1), NONE)),
    "frame without a function": root(frames=lst(bytes([F.FRAME]) + NONE + small(0)
                                                 + bytes([F.TUPLE, 0]))),
    "malformed frame": root(frames=lst(frame(fn(small(1), s("L-one")), pc=NONE))),
    "malformed frame ": root(frames=lst(frame(fn(small(1), s("L-one")), locals_=lst()))),
    "closure without": root(dct(s("c"), bytes([F.CLOSURE]) + NONE + NONE)),
    "malformed closure": root(dct(s("c"), bytes([F.CLOSURE]) + fn(small(2), s("L-two"))
                                  + lst())),
    "malformed bound": root(dct(s("b"), bytes([F.BOUND]) + s("size") + b"\x02" + NONE)),
    "expected a string": root(dct(s("j"), bytes([F.JARRAY]) + small(1) + uv(0))),
    "integer kind": root(dct(s("i"), bytes([F.BIGINT, 9, 1, 5]))),
    "larger than the remaining": root(lst() + bytes([F.LIST]) + uv(10**9)),
    "ends early": root(dct(s("x"), bytes([F.CELL]))),
    "longer than the data": root(bytes([F.STR_NEW]) + uv(10**6) + b"abc"),
    "count 3 is larger": bytes([F.TUPLE]) + uv(3),
    "float": root(dct(s("f"), bytes([F.FLOAT, 0, 0]))),
    "": b"",
}


@pytest.mark.parametrize("name", list(FORGED))
def test_forged_body_rejected(name):
    rejects(sealed(FORGED[name]), match=name.strip() or None)


def test_huge_count_rejected_immediately():
    body = bytes([F.TUPLE, 3, F.DICT]) + uv(10**9) + b"\x01\x02"
    data = sealed(body)
    assert len(body) < 20
    t0 = time.perf_counter()
    rejects(data, match="count 1000000000")
    for tag in (F.LIST, F.TUPLE):
        rejects(sealed(bytes([tag]) + uv(10**18)), match="count")
    rejects(sealed(bytes([F.JARRAY]) + s("int") + uv(2**63)), match="count")
    assert time.perf_counter() - t0 < 0.5


def test_deep_forged_nesting():
    rejects(sealed(root(dct(s("deep"), bytes([F.LIST, 1]) * (F.DEFAULT_MAX_RESTORE_DEPTH + 1)
                            + NONE))), match="levels of nesting")
    depth = 50_000
    cont = Restorer.restore(CTX, sealed(root(dct(s("deep"), bytes([F.LIST, 1]) * depth
                                                 + NONE))))
    x = cont.instance.globals["deep"]
    for _ in range(depth):
        x = x[0]
    assert x is None
    # unterminated: 100000 open containers, then the data ends
    rejects(sealed(root(dct(s("deep"), bytes([F.LIST, 1, F.TUPLE, 1, F.CELL]) * (depth // 3)))),
            match="ends early")


def test_cycle_through_forged_refs():
    # object ids: 0 = globals dict, 1 = the list (the root tuple gets its id last)
    body = root(dct(s("l"), bytes([F.LIST, 2, F.REF, 1, F.REF, 0])))
    g = Restorer.restore(CTX, sealed(body)).instance.globals
    assert g["l"][0] is g["l"] and g["l"][1] is g
    rejects(sealed(root(dct(s("l"), bytes([F.LIST, 1, F.REF, 2])))), match="reference 2")


def test_non_frame_serializable_in_frames():
    rejects(sealed(root(frames=lst(bytes([F.OBJ]) + s(Trio.TAG) + uv(3) + NONE * 3))),
            match="frame list contains a Trio")


def test_restore_never_calls_functions_or_imports():
    """The decoder resolves everything through the instance and SERIALIZABLE only: a body
    naming a builtin module/class as an OBJ tag is an unknown tag."""
    for name in ("builtins.eval", "os.system", "__main__.Trio", "lang.runtime.types.Cell"):
        assert name not in SERIALIZABLE
        rejects(sealed(root(dct(s("x"), bytes([F.OBJ]) + s(name) + uv(0)))),
                match="unknown object tag")


# --- fuzzing ------------------------------------------------------------------------------------

def test_every_truncation():
    for cut in range(len(DATA)):
        rejects(DATA[:cut])
    for cut in range(0, len(SDATA), 3):
        rejects(SDATA[:cut], SCTX)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_single_byte_mutation(pos, xor):
    for data, ctx in ((DATA, CTX), (SDATA, SCTX), (SDATA, CTX)):
        bad = bytearray(data)
        bad[pos % len(bad)] ^= xor
        rejects(bytes(bad), ctx)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
@example(b"JCKP")
@example(b"JCKP\x00\x01\x00\x00\x00")
def test_random_bytes(data):
    rejects(data)
    rejects(b"JCKP\x00\x01\x00" + data)
    rejects(b"JCKP\x00\x01\x01" + data, SCTX)


BODY = DATA[17 + len(HASH.encode()):-F.DIGEST_SIZE]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_sealed_body(data):
    """Mutations of a valid body, re-sealed so the digest matches: the decoder's own
    validation must turn every one into a clean result or a CheckpointError."""
    body = bytearray(BODY)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        if not body:
            break
        i = data.draw(st.integers(0, len(body) - 1))
        if op == "flip":
            body[i] ^= data.draw(st.integers(1, 255))
        elif op == "set":
            body[i] = data.draw(st.sampled_from(sorted(F.TAG_NAMES) + [0x7F, 0x80, 0xFF]))
        elif op == "cut":
            del body[i:]
        elif op == "insert":
            body[i:i] = data.draw(st.binary(min_size=1, max_size=4))
        else:
            del body[i:i + data.draw(st.integers(1, 8))]
    restore_or_reject(sealed(bytes(body)))


token = st.one_of(
    st.sampled_from(sorted(F.TAG_NAMES)).map(lambda t: bytes([t])),
    st.integers(0, 2**70).map(uv),
    st.integers(0, 127).map(small),
    st.text(max_size=4).map(s),
    st.sampled_from([s(Trio.TAG), s("L-one"), s("L-two"), bytes([F.STR_REF, 0])]),
    st.binary(min_size=1, max_size=3),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(token, max_size=40))
def test_random_sealed_bodies(tokens):
    """Bodies made of plausible tokens (tags, varints, strings), sealed with a valid digest:
    never anything but a Continuation or a CheckpointError."""
    body = b"".join(tokens)
    restore_or_reject(sealed(body))
    restore_or_reject(sealed(root(dct(s("x"), body))))
    restore_or_reject(sealed(root(frames=lst(body))))


@settings(max_examples=100, deadline=None)
@given(st.lists(token, max_size=30))
def test_random_signed_bodies(tokens):
    body = b"".join(tokens)
    assume(body)
    restore_or_reject(sealed(root(dct(s("x"), body)), key=KEY), SCTX)
