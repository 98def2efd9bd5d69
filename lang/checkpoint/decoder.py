"""Restorer: checkpoint bytes -> a ``Continuation`` of a script this context compiled.

The input is untrusted. In order, ``restore``:

1. rejects input larger than the context's ``max_checkpoint_size``;
2. checks the magic and format version;
3. with an ``hmac_key`` on the context, requires a signed checkpoint and verifies its
   HMAC-SHA256 over everything before it, before any other field is interpreted;
4. checks the header lengths and the SHA-256 digest over all bytes before it, so any flipped
   or truncated byte is rejected (signed or not, with or without a key);
5. with ``instance_id`` / ``sequence`` given, checks that the header names them;
6. asks the context for the instance that runs the named script (only scripts this context
   compiled from source qualify);
7. decodes the body with an explicit stack: objects are allocated as empty shells when their
   tag is read and filled as their contents arrive, so cycles work and no recursion happens;
   every count is checked against the bytes that remain before anything is built, and the
   object count, nesting depth and estimated memory are bounded (``Limits``);
   functions are resolved only through ``instance.function(id)`` and their layout hash
   compared; classes only through ``continuation.SERIALIZABLE``;
8. validates what the decoded state says (``validate.py``: resume points, locals, instance
   state, values, builtin frames) and hands globals and state to ``instance.set_restored``.

Nothing is imported, evaluated or looked up by a name other than those registries, and every
failure is a ``CheckpointError``. ``decode`` is steps 1-7 alone (the codec).
"""

import struct
from decimal import Decimal

from ..errors import CheckpointError
from ..runtime.continuation import SERIALIZABLE, CodeFrame, Continuation, Frame
from ..runtime.exports import load_datetime
from ..runtime.functions import BoundMethod, Closure, FunctionInfo
from ..runtime.types import MISSING, Byte, Cell, JArray, Long
from ..runtime.objects import fill
from . import envelope
from . import format as F
from .validate import validate_restored

_unpack_double = struct.Struct(">d").unpack_from

# builder kinds
_K_ROOT, _K_LIST, _K_DICT, _K_TUPLE, _K_CELL, _K_CLOSURE, _K_BOUND, _K_FRAME, _K_OBJ, \
    _K_FN, _K_JOBJ = range(11)


def _fail(msg):
    raise CheckpointError(f"Invalid checkpoint: {msg}")


def _short(x, limit=60):
    r = repr(x)
    return r if len(r) <= limit else r[:limit] + "..."


def _uint(body, pos):
    """Read an unsigned LEB128 varint at ``pos``; return (value, new pos)."""
    result = 0
    shift = 0
    n = len(body)
    for _ in range(F.MAX_VARINT_BYTES):
        if pos >= n:
            _fail("data ends inside a number")
        b = body[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            if result >> 64:
                _fail("number out of range")
            return result, pos
        shift += 7
    _fail("number too long")


def _sint(body, pos):
    u, pos = _uint(body, pos)
    return (u >> 1) ^ -(u & 1), pos


class Restorer:
    """Turns checkpoint bytes back into a ``Continuation``."""

    @staticmethod
    def restore(ctx, data, *, instance_id=None, sequence=None):
        """Decode ``data`` for a script that ``ctx`` compiled, validate everything in it,
        and return the Continuation.

        ``instance_id`` / ``sequence``: when given, the header must name exactly this
        instance and this save (see ``lang.checkpoint_header``), so a checkpoint of another
        instance, or an older one replayed in place of the newest, is rejected. ``ctx``
        provides ``hmac_key``, ``max_checkpoint_size``, the decoder bounds and
        ``instance_for_restore(script_hash)``; the instance provides ``function(fn_id)``,
        ``klass(name)`` and ``set_restored(globals, state)``. Any problem raises
        CheckpointError."""
        dec = decode(ctx, data, instance_id=instance_id, sequence=sequence)
        _guarded(validate_restored, dec.instance, dec.header, dec.globals, dec.state,
                 dec.frames)
        dec.instance.set_restored(dec.globals, dec.state)
        return Continuation(dec.frames, dec.instance)


def _guarded(fn, *args, **kw):
    """Run a decoding step; any failure is a CheckpointError."""
    try:
        return fn(*args, **kw)
    except CheckpointError:
        raise
    except (IndexError, struct.error):
        raise CheckpointError("Invalid checkpoint: data ends early or is corrupted") from None
    except RecursionError:
        raise CheckpointError("Invalid checkpoint: structure too deep") from None
    except MemoryError:
        raise CheckpointError("Invalid checkpoint: too large to restore") from None
    except Exception as e:
        raise CheckpointError(f"Invalid checkpoint: {type(e).__name__}: {e}") from e


class Decoded:
    """A checkpoint decoded but not yet validated: header, the instance that will run it,
    and the root's globals, state and frames."""

    __slots__ = ("header", "instance", "globals", "state", "frames")

    def __init__(self, header, instance, globals_, state, frames):
        self.header = header
        self.instance = instance
        self.globals = globals_
        self.state = state
        self.frames = frames


class Limits:
    """Decoder bounds, from the context (``max_restore_objects``, ``max_restore_depth``,
    ``max_restore_bytes``) or the defaults in ``format.py``."""

    __slots__ = ("objects", "depth", "alloc")

    def __init__(self, ctx=None):
        def opt(name, default):
            v = getattr(ctx, name, None)
            return default if v is None else v
        self.objects = opt("max_restore_objects", F.DEFAULT_MAX_RESTORE_OBJECTS)
        self.depth = opt("max_restore_depth", F.DEFAULT_MAX_RESTORE_DEPTH)
        self.alloc = opt("max_restore_bytes", F.DEFAULT_MAX_RESTORE_BYTES)


def decode(ctx, data, *, instance_id=None, sequence=None):
    """Envelope, header binding and body of ``data`` -> ``Decoded`` (the codec alone: the
    values are well-formed, not yet checked for meaning; ``Restorer.restore`` does that).
    Any failure is a CheckpointError."""
    return _guarded(_decode, ctx, data, instance_id, sequence)


def _decode(ctx, data, instance_id, sequence):
    key = envelope.hmac_key(getattr(ctx, "hmac_key", None))
    header, body = envelope.open_envelope(data, key, envelope.max_size(ctx))
    envelope.check_binding(header, instance_id, sequence)
    script_hash = header.script_hash
    try:
        inst = ctx.instance_for_restore(script_hash)
    except Exception as e:
        raise CheckpointError(f"Checkpoint names script {script_hash} which this context has "
                              f"not compiled") from e
    if inst is None:
        raise CheckpointError(f"Checkpoint names script {script_hash} which this context has "
                              f"not compiled")
    root = decode_body(body, inst, script_hash, Limits(ctx))
    if type(root) is not tuple or len(root) != 3:
        _fail("root is not (globals, state, frames)")
    globals_, state, frames = root
    if type(globals_) is not dict or type(state) is not dict or type(frames) is not list:
        _fail("root is not (globals, state, frames)")
    for fr in frames:
        if not isinstance(fr, Frame):
            _fail(f"frame list contains a {type(fr).__name__}")
    return Decoded(header, inst, globals_, state, frames)


def _resolve_fn(inst, script_hash, fn_id, layout):
    try:
        fn = inst.function(fn_id)
    except (LookupError, TypeError, ValueError):
        fn = None
    if fn is None:
        raise CheckpointError(f"Checkpoint refers to function {_short(fn_id)}, which script "
                              f"{script_hash} does not define")
    if not isinstance(fn, FunctionInfo):
        raise CheckpointError(f"instance.function({_short(fn_id)}) did not return a "
                              f"FunctionInfo")
    if fn.layout != layout:
        raise CheckpointError(
            f"Checkpoint does not match the code: function {fn.name} (id {_short(fn_id)}) "
            f"has changed since the checkpoint was taken (layout {_short(layout)}, "
            f"now {_short(fn.layout)})")
    return fn


def _read_str(body, pos, strs):
    """A str token in a fixed position (JArray elem, BoundMethod name, OBJ tag)."""
    tag = body[pos]
    pos += 1
    if tag == F.STR_REF:
        i, pos = _uint(body, pos)
        if i >= len(strs):
            _fail(f"string reference {i} out of range")
        return strs[i], pos
    if tag == F.STR_NEW:
        m, pos = _uint(body, pos)
        if m > len(body) - pos:
            _fail("string longer than the data")
        try:
            s = str(body[pos:pos + m], "utf-8", "surrogatepass")
        except UnicodeDecodeError:
            _fail("string is not valid UTF-8")
        strs.append(s)
        return s, pos + m
    _fail(f"expected a string, found tag 0x{tag:02x}")


def _too_many(what, limit, option):
    raise CheckpointError(f"Invalid checkpoint: more than {limit} {what} ({option})")


def decode_body(body, inst, script_hash, limits=None):
    """Decode one value from ``body`` (which it must use up exactly) and return it.

    The innermost open container (the *builder*) lives in local variables: ``kind``,
    ``obj`` (its shell, if it has identity), ``need`` (values still to come), ``items``
    (values collected so far, for builders filled at the end) and ``add`` (where the next
    value goes). Opening a container saves the current builder on ``stack``; completing one
    turns it into a value and restores its parent.

    ``limits`` bounds the object count, the nesting depth and an estimate of the memory the
    values take, so that a small input cannot expand into gigabytes (every count is also
    bounded by the bytes that remain)."""
    if limits is None:
        limits = Limits()
    max_objs = limits.objects
    max_depth = limits.depth
    max_alloc = limits.alloc
    alloc = 0
    n = len(body)
    pos = 0
    objs = []            # object table
    strs = []            # string table
    objs_append = objs.append
    new = object.__new__
    # (an array of a class of the script: the restoring instance's classes)
    classes = getattr(inst, "ns", {}).get("_CLASSES")
    stack = []
    kind = _K_ROOT
    obj = None
    need = 1
    items = []
    add = items.append
    while True:
        if pos >= n:
            _fail("data ends early")
        tag = body[pos]
        pos += 1
        if tag >= F.SMALL_INT:
            v = tag - F.SMALL_INT
        elif tag == F.STR_REF:
            b = body[pos]
            if b < 0x80:
                i = b
                pos += 1
            else:
                i, pos = _uint(body, pos)
            if i >= len(strs):
                _fail(f"string reference {i} out of range")
            v = strs[i]
        elif tag == F.STR_NEW:
            b = body[pos]
            if b < 0x80:
                m = b
                pos += 1
            else:
                m, pos = _uint(body, pos)
            if m > n - pos:
                _fail("string longer than the data")
            try:
                v = str(body[pos:pos + m], "utf-8", "surrogatepass")
            except UnicodeDecodeError:
                _fail("string is not valid UTF-8")
            pos += m
            strs.append(v)
            alloc += 49 + m
            if alloc > max_alloc:
                _too_many("bytes of values", max_alloc, "max_restore_bytes")
        elif tag == F.REF:
            b = body[pos]
            if b < 0x80:
                i = b
                pos += 1
            else:
                i, pos = _uint(body, pos)
            if i >= len(objs):
                _fail(f"object reference {i} out of range")
            v = objs[i]
        elif tag == F.NONE:
            v = None
        elif tag == F.TRUE:
            v = True
        elif tag == F.FALSE:
            v = False
        elif tag == F.INT:
            v, pos = _sint(body, pos)
            alloc += 32
        elif tag == F.FLOAT:
            if pos + 8 > n:
                _fail("data ends inside a float")
            v = _unpack_double(body, pos)[0]
            pos += 8
            alloc += 24
        elif tag == F.LONG or tag == F.BYTE:
            v, pos = _sint(body, pos)
            v = Long(v) if tag == F.LONG else Byte(v)
            alloc += 32
        elif tag == F.DECIMAL:
            m, pos = _uint(body, pos)
            if m > n - pos:
                _fail("decimal longer than the data")
            try:
                v = Decimal(body[pos:pos + m].decode("ascii"))
            except (UnicodeDecodeError, ArithmeticError, ValueError):
                _fail("malformed decimal")
            pos += m
            alloc += 104 + m
        elif tag == F.MISSING:
            v = MISSING
        elif tag == F.INSTANCE:
            v = inst
        elif tag == F.BIGINT:
            if pos >= n:
                _fail("data ends early")
            k = body[pos]
            m, pos = _uint(body, pos + 1)
            if m > n - pos:
                _fail("integer longer than the data")
            v = int.from_bytes(body[pos:pos + m], "little", signed=True)
            pos += m
            alloc += 32 + m
            if k == F.BIG_LONG:
                v = Long(v)
            elif k == F.BIG_BYTE:
                v = Byte(v)
            elif k != F.BIG_INT:
                _fail(f"unknown integer kind {k}")
        elif tag == F.BYTES:
            m, pos = _uint(body, pos)
            if m > n - pos:
                _fail("bytes longer than the data")
            v = body[pos:pos + m]
            pos += m
            alloc += 33 + m
        else:
            # a value with contents: make it (or its shell), then read the contents
            if len(objs) >= max_objs:
                _too_many("objects", max_objs, "max_restore_objects")
            if tag == F.LIST or tag == F.DICT or tag == F.JARRAY or tag == F.TUPLE:
                if tag == F.JARRAY:
                    elem, pos = _read_str(body, pos, strs)
                b = body[pos]
                if b < 0x80:
                    cnt = b
                    pos += 1
                else:
                    cnt, pos = _uint(body, pos)
                nneed = 2 * cnt if tag == F.DICT else cnt
                if nneed > n - pos:
                    _fail(f"count {cnt} is larger than the remaining data allows")
                alloc += 64 + 8 * nneed + (40 * cnt if tag == F.DICT else 0)
                if alloc > max_alloc:
                    _too_many("bytes of values", max_alloc, "max_restore_bytes")
                if tag == F.LIST:
                    v = []
                    objs_append(v)
                    nkind = _K_LIST
                elif tag == F.DICT:
                    v = {}
                    objs_append(v)
                    nkind = _K_DICT
                elif tag == F.JARRAY:
                    v = JArray.__new__(JArray)
                    v.elem = elem
                    v.classes = classes
                    objs_append(v)
                    nkind = _K_LIST
                else:
                    nkind = _K_TUPLE
                    v = None
                    if not cnt:
                        v = ()
                        objs_append(v)
            elif tag == F.CELL:
                nkind, nneed = _K_CELL, 1
                v = new(Cell)
                objs_append(v)
            elif tag == F.CLOSURE:
                nkind, nneed = _K_CLOSURE, 2
                v = new(Closure)
                objs_append(v)
            elif tag == F.FRAME:
                nkind, nneed = _K_FRAME, 3
                v = new(CodeFrame)
                objs_append(v)
            elif tag == F.FN:
                nkind, nneed = _K_FN, 2
                v = None
            elif tag == F.BOUND:
                name, pos = _read_str(body, pos, strs)
                if pos >= n:
                    _fail("data ends early")
                isf = body[pos]
                pos += 1
                if isf > 1:
                    _fail("malformed bound method")
                nkind, nneed = _K_BOUND, 1
                v = new(BoundMethod)
                v.name = name
                v.is_function = bool(isf)
                objs_append(v)
            elif tag == F.JOBJ:
                cname, pos = _read_str(body, pos, strs)
                klass = getattr(inst, "klass", None)
                cls = klass(cname) if klass is not None else None
                if cls is None:
                    raise CheckpointError(f"Invalid checkpoint: unknown class {_short(cname)}")
                nneed, pos = _uint(body, pos)
                if nneed != len(cls.fields):
                    _fail(f"instance of {cname}: field count {nneed} does not match the "
                          f"{len(cls.fields)} fields of the class")
                nkind = _K_JOBJ
                v = new(cls.pycls)      # a bare instance: its fields are stored below
                objs_append(v)
            elif tag == F.OBJ:
                ctag, pos = _read_str(body, pos, strs)
                cls = SERIALIZABLE.get(ctag)
                if cls is None and type(ctag) is str and ctag.startswith("dt."):
                    load_datetime()  # date/time classes register when first used
                    cls = SERIALIZABLE.get(ctag)
                if cls is None:
                    raise CheckpointError(f"Invalid checkpoint: unknown object tag "
                                          f"{_short(ctag)}")
                nneed, pos = _uint(body, pos)
                if nneed != len(cls.FIELDS):
                    _fail(f"{ctag}: field count {nneed} does not match the "
                          f"{len(cls.FIELDS)} fields of the class")
                nkind = _K_OBJ
                v = cls.__new__(cls)
                objs_append(v)
            else:
                _fail(f"unknown tag 0x{tag:02x}")
            if nneed:
                if nneed > n - pos:
                    _fail("data ends early")
                if len(stack) >= max_depth:
                    _too_many("levels of nesting", max_depth, "max_restore_depth")
                alloc += 64
                stack.append((kind, obj, need, items, add))
                kind = nkind
                obj = v
                need = nneed
                if kind == _K_LIST:
                    items = None
                    add = v.append
                else:
                    items = []
                    add = items.append
                continue
            # no contents: v is complete

        # v is complete: add it to the open builder, closing every builder it completes
        while True:
            add(v)
            need -= 1
            if need:
                break
            if kind == _K_LIST:
                v = obj
            elif kind == _K_DICT:
                v = obj
                it = iter(items)
                try:
                    v.update(zip(it, it))
                except TypeError:
                    _fail("unhashable dict key")
                if len(v) * 2 != len(items):
                    _fail("duplicate dict key")
            elif kind == _K_TUPLE:
                v = tuple(items)
                objs_append(v)
            elif kind == _K_CELL:
                v = obj
                v.v = items[0]
            elif kind == _K_FN:
                v = _resolve_fn(inst, script_hash, items[0], items[1])
                objs_append(v)
            elif kind == _K_FRAME:
                v = obj
                fn, pc, locals_ = items
                if not isinstance(fn, FunctionInfo):
                    _fail("frame without a function")
                if type(pc) is not int or type(locals_) is not tuple:
                    _fail(f"malformed frame of {fn.name}")
                if not fn.may_suspend:
                    _fail(f"frame of function {fn.name}, which cannot suspend")
                v.fn = fn
                v.pc = pc
                v.locals = locals_
            elif kind == _K_CLOSURE:
                v = obj
                fn, cells = items
                if not isinstance(fn, FunctionInfo):
                    _fail("closure without a function")
                if cells is not None and (type(cells) is not tuple
                                          or any(type(c) is not Cell for c in cells)):
                    _fail(f"malformed closure of {fn.name}")
                v.fn = fn
                v.cells = cells
            elif kind == _K_BOUND:
                v = obj
                v.obj = items[0]
            elif kind == _K_JOBJ:
                v = obj
                fill(v, items)
            elif kind == _K_OBJ:
                v = obj
                for f, x in zip(type(v).FIELDS, items):
                    setattr(v, f, x)
            else:  # _K_ROOT
                if pos != n:
                    _fail(f"{n - pos} unexpected bytes after the data")
                return items[0]
            kind, obj, need, items, add = stack.pop()
