"""Checkpointer: a suspended continuation -> checkpoint bytes (grammar in ``format.py``).

The graph is walked with an explicit stack (no recursion, so nesting depth is only bounded
by memory), in pre-order: a container's tag and count are written, then its elements are
pushed in reverse so they pop in order. Objects with identity get ids in the same order the
decoder will allocate them, so a second visit is written as ``REF id``; strings are shared
through a string table. Only values of the types listed in the grammar are accepted; anything
else fails at save time, where the mistake is made, rather than at restore time.
"""

import hashlib
import hmac
import struct
from decimal import Decimal

from ..errors import CheckpointError
from ..runtime.continuation import SERIALIZABLE, CodeFrame
from ..runtime.functions import BoundMethod, Closure, FunctionInfo
from ..runtime.types import MISSING, Byte, Cell, JArray, Long
from ..runtime.objects import JObject
from . import format as F

_pack_double = struct.Struct(">d").pack
_NoneType = type(None)


def _hmac_key(key):
    """A context's HMAC key as bytes (None/empty = no signing)."""
    if not key:
        return None
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key)
    raise CheckpointError(f"Checkpoint HMAC key must be bytes, not {type(key).__name__}")


def _max_size(ctx):
    limit = getattr(ctx, "max_checkpoint_size", None)
    return F.DEFAULT_MAX_CHECKPOINT_SIZE if limit is None else limit


def _header(script_hash, signed):
    """The header with a zero body length (filled in by ``_seal``)."""
    if not isinstance(script_hash, str):
        raise CheckpointError(f"Script hash must be a str, not {type(script_hash).__name__}")
    hb = script_hash.encode("utf-8", "surrogatepass")
    if len(hb) > 0xFFFF:
        raise CheckpointError("Script hash is too long for a checkpoint header")
    flags = F.FLAG_HMAC if signed else 0
    return bytearray(F.MAGIC + struct.pack(">HBH", F.FORMAT_VERSION, flags, len(hb)) + hb
                     + b"\0" * 8)


def _seal(buf, body_start, key):
    struct.pack_into(">Q", buf, body_start - 8, len(buf) - body_start)
    if key:
        buf += hmac.new(key, buf, hashlib.sha256).digest()
    buf += hashlib.sha256(buf).digest()
    return bytes(buf)


def seal(script_hash, body, hmac_key=None):
    """Wrap an already encoded body in header, (with a key) HMAC and digest. The encoder uses
    the same layout; tests use this to build checkpoints with hand-written bodies."""
    key = _hmac_key(hmac_key)
    buf = _header(script_hash, key is not None)
    start = len(buf)
    buf += body
    return _seal(buf, start, key)


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


def encode_body(buf, root, instance, script_hash, limit):
    """Append the encoding of ``root`` to ``buf``; fail once ``buf`` exceeds ``limit``."""
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
        if t is JObject:
            i = memo.get(id(v))
            if i is not None:
                append(F.REF)
                _uv(buf, i)
                continue
            memo[id(v)] = len(keep)
            keep.append(v)
            cls = v._cls
            fields = v._f
            if type(fields) is not dict or tuple(fields) != cls.fields:
                raise CheckpointError(f"Instance of {cls.name} has malformed fields")
            append(F.JOBJ)
            wstr(cls.name)
            _uv(buf, len(fields))
            if fields:
                pushall(reversed(list(fields.values())))
            continue
        if t is dict or t is list or t is Cell or t is Closure or t is CodeFrame \
                or t is JArray or t is BoundMethod:
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
            elif t is list:
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


class Checkpointer:
    """Turns a suspended ``Continuation`` into bytes."""

    @staticmethod
    def save(continuation):
        """Encode ``continuation`` (its frames, and its instance's globals and state) as
        checkpoint bytes, signed when the instance's context has an ``hmac_key``.

        Raises CheckpointError for a value that cannot be checkpointed or a checkpoint larger
        than the context's ``max_checkpoint_size``."""
        inst = continuation.instance
        ctx = getattr(inst, "context", None)
        key = _hmac_key(getattr(ctx, "hmac_key", None))
        limit = _max_size(ctx)
        script_hash = inst.script_hash
        frames = continuation.frames
        if type(frames) is not list:
            frames = list(frames)
        root = (inst.globals, inst.state, frames)
        buf = _header(script_hash, key is not None)
        start = len(buf)
        trailer = F.DIGEST_SIZE + (F.HMAC_SIZE if key else 0)
        try:
            encode_body(buf, root, inst, script_hash, limit - trailer)
        except CheckpointError:
            raise
        except MemoryError:
            raise CheckpointError("Out of memory while writing checkpoint") from None
        except Exception as e:  # a broken value (e.g. a property that raises)
            raise CheckpointError(f"Cannot checkpoint: {type(e).__name__}: {e}") from e
        return _seal(buf, start, key)
