"""Checkpointer: a suspended continuation -> checkpoint bytes (grammar in ``format.py``).

The graph is walked with an explicit stack (no recursion, so nesting depth is only bounded
by memory), in pre-order: a container's tag and count are written, then its elements are
pushed in reverse so they pop in order. Objects with identity get ids in the same order the
decoder will allocate them, so a second visit is written as ``REF id``; strings are shared
through a string table. Only values of the types listed in the grammar are accepted; anything
else fails at save time, where the mistake is made, rather than at restore time.
"""

import struct
from decimal import Decimal

from ..errors import CheckpointError
from ..runtime.continuation import SERIALIZABLE, CodeFrame
from ..runtime.functions import BoundMethod, Closure, FunctionInfo
from ..runtime.types import MISSING, Byte, Cell, JArray, Long
from ..runtime.objects import JObject
from ..runtime.readonly import ReadOnlyList
from . import envelope
from . import format as F
from .validate import NOT_VALUES

_pack_double = struct.Struct(">d").pack
_NoneType = type(None)


def seal(script_hash, body, hmac_key=None, *, instance_id=None, sequence=0):
    """Wrap an already encoded body in header, (with a key) HMAC and digest. The encoder uses
    the same layout; tests use this to build checkpoints with hand-written bodies."""
    key = envelope.hmac_key(hmac_key)
    buf = envelope.build_header(script_hash, instance_id, sequence, key is not None)
    start = len(buf)
    buf += body
    return envelope.seal(buf, start, key)


def _uv(buf, n):
    """Append an unsigned LEB128 varint."""
    while n >= 0x80:
        buf.append((n & 0x7F) | 0x80)
        n >>= 7
    buf.append(n)


def _big(buf, v, kind):
    nb = v.bit_length() // 8 + 1
    buf.append(F.BIGINT)
    buf.append(kind)
    _uv(buf, nb)
    buf += v.to_bytes(nb, "little", signed=True)


class _End:
    """Stack marker: the contents of a TUPLE/FN are written; give it its id now."""
    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj


def _too_big(limit):
    raise CheckpointError(f"Checkpoint is larger than the limit of {limit} bytes "
                          f"(max_checkpoint_size)")


def _type_error(v):
    t = type(v)
    name = t.__name__ if t.__module__ in ("builtins", None) else f"{t.__module__}.{t.__qualname__}"
    raise CheckpointError(f"Cannot checkpoint value of type {name}")


def encode_body(buf, root, instance, script_hash, limit,
                max_objects=F.DEFAULT_MAX_RESTORE_OBJECTS):
    """Append the encoding of ``root`` to ``buf``; fail once ``buf`` exceeds ``limit`` or
    the graph has more than ``max_objects`` objects (which no restore would accept)."""
    memo = {}        # id(obj) -> object id, for objects with identity
    keep = []        # the objects in memo, kept alive so their id()s stay unique
    strs = {}        # str -> string table index
    ser_ok = {}      # class -> (TAG, FIELDS) for registered SERIALIZABLE classes
    append = buf.append
    extend = buf.extend
    stack = [root]
    pop = stack.pop
    push = stack.append
    pushall = stack.extend
    INT64_MIN = F.INT64_MIN
    INT64_LIMIT = F.INT64_LIMIT

    def wstr(s):
        i = strs.get(s)
        if i is None:
            strs[s] = len(strs)
            b = s.encode("utf-8", "surrogatepass")
            append(F.STR_NEW)
            _uv(buf, len(b))
            extend(b)
        else:
            append(F.STR_REF)
            _uv(buf, i)

    while stack:
        v = pop()
        t = type(v)
        if t is str:
            i = strs.get(v)
            if i is None:
                strs[v] = len(strs)
                b = v.encode("utf-8", "surrogatepass")
                n = len(b)
                append(F.STR_NEW)
                if n < 0x80:
                    append(n)
                else:
                    _uv(buf, n)
                    if len(buf) + n > limit:
                        _too_big(limit)
                extend(b)
            else:
                append(F.STR_REF)
                if i < 0x80:
                    append(i)
                else:
                    _uv(buf, i)
            continue
        if t is int:
            if 0 <= v < 0x80:
                append(0x80 + v)
            elif INT64_MIN <= v < INT64_LIMIT:
                append(F.INT)
                _uv(buf, (v << 1) ^ (v >> 63))
            else:
                _big(buf, v, F.BIG_INT)
            continue
        if t is dict or t is list or t is Cell or t is Closure or t is CodeFrame \
                or t is JArray or t is BoundMethod or t is ReadOnlyList:
            i = memo.get(id(v))
            if i is not None:
                append(F.REF)
                _uv(buf, i)
                continue
            memo[id(v)] = len(keep)
            keep.append(v)
            if t is dict:
                n = len(v)
                append(F.DICT)
                _uv(buf, n)
                if n:
                    if len(buf) + 2 * n > limit:
                        _too_big(limit)
                    items = [x for kv in v.items() for x in kv]
                    items.reverse()
                    pushall(items)
            elif t is list or t is ReadOnlyList:    # (restored as a plain List, as in Jactl)
                n = len(v)
                append(F.LIST)
                _uv(buf, n)
                if n:
                    if len(buf) + n > limit:
                        _too_big(limit)
                    pushall(reversed(v))
            elif t is Cell:
                append(F.CELL)
                push(v.v)
            elif t is Closure:
                fn, cells = v.fn, v.cells
                if type(fn) is not FunctionInfo:
                    raise CheckpointError(f"Closure.fn must be a FunctionInfo, "
                                          f"not {type(fn).__name__}")
                if cells is not None and (type(cells) is not tuple
                                          or any(type(c) is not Cell for c in cells)):
                    raise CheckpointError("Closure.cells must be None or a tuple of Cells")
                append(F.CLOSURE)
                push(cells)
                push(fn)
            elif t is CodeFrame:
                fn, pc, locals_ = v.fn, v.pc, v.locals
                if type(fn) is not FunctionInfo or type(pc) is not int \
                        or type(locals_) is not tuple:
                    raise CheckpointError("CodeFrame needs a FunctionInfo fn, an int pc and "
                                          "a tuple of locals")
                append(F.FRAME)
                push(locals_)
                push(pc)
                push(fn)
            elif t is JArray:
                elem = getattr(v, "elem", None)
                if type(elem) is not str:
                    raise CheckpointError("JArray.elem must be a str")
                n = len(v)
                append(F.JARRAY)
                wstr(elem)
                _uv(buf, n)
                if n:
                    if len(buf) + n > limit:
                        _too_big(limit)
                    pushall(reversed(v))
            else:  # BoundMethod
                name = v.name
                if type(name) is not str:
                    raise CheckpointError("BoundMethod.name must be a str")
                if name in NOT_VALUES:
                    raise CheckpointError(f"Cannot checkpoint the function '{name}' held as "
                                          f"a value: it runs source that is not the script")
                append(F.BOUND)
                wstr(name)
                append(1 if v.is_function else 0)
                push(v.obj)
            continue
        if t is _NoneType:
            append(F.NONE)
        elif t is bool:
            append(F.TRUE if v else F.FALSE)
        elif t is float:
            append(F.FLOAT)
            extend(_pack_double(v))
        elif t is tuple:
            i = memo.get(id(v))
            if i is not None:
                append(F.REF)
                _uv(buf, i)
                continue
            append(F.TUPLE)
            n = len(v)
            _uv(buf, n)
            if len(buf) + n > limit:
                _too_big(limit)
            push(_End(v))
            pushall(reversed(v))
        elif t is _End:
            o = v.obj
            memo[id(o)] = len(keep)
            keep.append(o)
        elif t is FunctionInfo:
            i = memo.get(id(v))
            if i is not None:
                append(F.REF)
                _uv(buf, i)
                continue
            if v.script_hash != script_hash:
                raise CheckpointError(
                    f"Cannot checkpoint function {v.name}: it belongs to script "
                    f"{v.script_hash}, not to the suspended script {script_hash}")
            append(F.FN)
            push(_End(v))
            push(v.layout)
            push(v.id)
        elif t is Long or t is Byte:
            if INT64_MIN <= v < INT64_LIMIT:
                append(F.LONG if t is Long else F.BYTE)
                _uv(buf, (int(v) << 1) ^ (int(v) >> 63))
            else:
                _big(buf, int(v), F.BIG_LONG if t is Long else F.BIG_BYTE)
        elif t is Decimal:
            b = str(v).encode("ascii")
            append(F.DECIMAL)
            _uv(buf, len(b))
            extend(b)
            if len(buf) > limit:
                _too_big(limit)
        elif t is bytes:
            append(F.BYTES)
            _uv(buf, len(v))
            extend(v)
            if len(buf) > limit:
                _too_big(limit)
        elif v is MISSING:
            append(F.MISSING)
        elif v is instance and instance is not None:
            append(F.INSTANCE)
        else:
            # last: isinstance() costs more than the identity checks above, and a
            # script's class instances are rarer in a checkpoint than the runtime's values
            if isinstance(v, JObject):
                i = memo.get(id(v))
                if i is not None:
                    append(F.REF)
                    _uv(buf, i)
                    continue
                memo[id(v)] = len(keep)
                keep.append(v)
                cls = v._cls
                try:
                    fields = cls.values(v)
                except AttributeError:     # a field never stored
                    raise CheckpointError(f"Instance of {cls.name} has malformed fields") from None
                append(F.JOBJ)
                wstr(cls.name)
                _uv(buf, len(fields))
                if fields:
                    pushall(reversed(fields))
                continue
            spec = ser_ok.get(t)
            if spec is None:
                tag = getattr(t, "TAG", None)
                if type(tag) is not str or SERIALIZABLE.get(tag) is not t:
                    _type_error(v)
                fields = tuple(t.FIELDS)
                spec = ser_ok[t] = (tag, fields)
            i = memo.get(id(v))
            if i is not None:
                append(F.REF)
                _uv(buf, i)
                continue
            memo[id(v)] = len(keep)
            keep.append(v)
            tag, fields = spec
            vals = []
            for f in fields:
                try:
                    vals.append(getattr(v, f))
                except AttributeError:
                    raise CheckpointError(f"Cannot checkpoint {t.__name__}: field '{f}' "
                                          f"is not set") from None
            append(F.OBJ)
            wstr(tag)
            _uv(buf, len(vals))
            vals.reverse()
            pushall(vals)
    if len(buf) > limit:
        _too_big(limit)
    if len(keep) > max_objects:
        raise CheckpointError(f"Cannot checkpoint: the state has {len(keep)} objects, more "
                              f"than the {max_objects} a restore accepts "
                              f"(max_restore_objects)")


class Checkpointer:
    """Turns a suspended ``Continuation`` into bytes."""

    @staticmethod
    def save(continuation):
        """Encode ``continuation`` (its frames, and its instance's globals and state) as
        checkpoint bytes, signed when the instance's context has an ``hmac_key``. Every save
        takes the instance's next sequence number (``lang.checkpoint_header(data).sequence``),
        which a host passes back to ``Restorer.restore`` to accept only its newest save.

        Raises CheckpointError for a value that cannot be checkpointed, a continuation that
        cannot be resumed, or a checkpoint larger than the context's
        ``max_checkpoint_size``."""
        if not continuation.frames:
            raise CheckpointError("Cannot checkpoint: the script suspended where it cannot "
                                  "be resumed (no frame recorded where it stopped: a "
                                  "suspension inside a parameter default or a class field "
                                  "initialiser)")
        return encode(continuation)


def encode(continuation):
    """The codec behind ``Checkpointer.save``: header (with the next sequence number), body,
    HMAC and digest."""
    inst = continuation.instance
    ctx = getattr(inst, "context", None)
    key = envelope.hmac_key(getattr(ctx, "hmac_key", None))
    limit = envelope.max_size(ctx)
    script_hash = inst.script_hash
    frames = continuation.frames
    if type(frames) is not list:
        frames = list(frames)
    state = inst.state
    instance_id = state.get("instance_id")
    if instance_id is not None and type(instance_id) is not str:
        raise CheckpointError(f"Cannot checkpoint instance id {instance_id!r}: "
                              f"it must be a str")
    # every save gets the next sequence number, which travels in the state (so it keeps
    # counting after a restore) and is bound into the header
    prev = state.get("seq", 0)
    if type(prev) is not int or prev < 0:
        raise CheckpointError(f"Instance state has a malformed sequence {prev!r}")
    state["seq"] = seq = prev + 1
    try:
        buf = envelope.build_header(script_hash, instance_id, seq, key is not None)
        start = len(buf)
        trailer = F.DIGEST_SIZE + (F.HMAC_SIZE if key else 0)
        root = (inst.globals, state, frames)
        try:
            max_objects = getattr(ctx, "max_restore_objects", None) or \
                F.DEFAULT_MAX_RESTORE_OBJECTS
            encode_body(buf, root, inst, script_hash, limit - trailer, max_objects)
        except CheckpointError:
            raise
        except MemoryError:
            raise CheckpointError("Out of memory while writing checkpoint") from None
        except Exception as e:  # a broken value (e.g. a property that raises)
            raise CheckpointError(f"Cannot checkpoint: {type(e).__name__}: {e}") from e
    except BaseException:
        state["seq"] = prev          # nothing was saved: the sequence is not used up
        raise
    return envelope.seal(buf, start, key)
