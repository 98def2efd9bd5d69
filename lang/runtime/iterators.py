"""Jactl's lazy iterator chains (``map``, ``filter``, ``flatMap``, ``mapWithIndex``,
``skip``, ``limit``): elements flow one at a time through every stage, so
``x.map{ println it; it }.limit(2)`` runs the closure twice.

Each stage is an explicit state object (upstream, closure, counters), never a Python
generator, so a closure that suspends mid-chain leaves frames the checkpoint encoder can
write: the stage's ``IterFrame`` (which call it was waiting for, the element in hand) and
the consumer's ``DrainFrame`` (the list built so far). When nothing in a chain can suspend,
``drain`` takes a generator fast path that is never checkpointed.

A chain only lives inside one expression: the code generator converts a stage that is not
the receiver of another method call to a List (``to_list``).
"""

import itertools

from ..errors import JactlRuntimeError
from .continuation import BuiltinFrame, Suspend, serializable
from .functions import BoundMethod, Closure
from .iteration import as_list, call_args, call_item, item_function
from .values import truthy
from .builtin_facts import CLOSURE_STAGES, COUNT_STAGES, LAZY_STAGES, canonical  # noqa: F401


class _End:
    __slots__ = ()

    def __repr__(self):
        return "END"


END = _End()
_AGAIN = object()


class LazyIter:
    """Base of the stages: ``next()`` returns the next element or END; ``step(pc, elem,
    value)`` continues a ``next()`` that was suspended at call ``pc``."""
    __slots__ = ()

    def _pull(self, up, pc=0, elem=None):
        try:
            return up.next()
        except Suspend as s:
            s.frames.append(IterFrame(self, pc, elem))
            raise

    def _apply(self, fn, args, pc, elem):
        try:
            return call_item(fn, args[0]) if len(args) == 1 else call_args(fn, args)
        except Suspend as s:
            s.frames.append(IterFrame(self, pc, elem))
            raise

    def next(self):
        """Pull from upstream until ``step`` yields an element or END."""
        while True:
            r = self.step(0, None, self._pull(self.up))
            if r is not _AGAIN:
                return r

    def may_suspend(self):
        it = self
        while isinstance(it, LazyIter) and not isinstance(it, SrcIter):
            fn = getattr(it, "fn", None)
            if fn is not None and getattr(fn, "may_suspend", True):
                return True
            it = it.up
        return False


@serializable
class IterFrame(BuiltinFrame):
    TAG = "iter.next"
    FIELDS = ("it", "pc", "elem")
    __slots__ = FIELDS

    def __init__(self, it, pc, elem):
        self.it = it
        self.pc = pc
        self.elem = elem

    def validate(self, check):
        """Checkpoint restore: a stage waiting for its upstream (pc 0) or, in a stage that
        calls a closure, for that call on element ``elem`` (pc 1)."""
        it = self.it
        check.iterator(it)
        calls = type(it) in (MapIter, FilterIter, FlatMapIter)
        check.that(type(self.pc) is int and self.pc in ((0, 1) if calls else (0,)),
                   f"iterator frame position {self.pc!r}")
        if self.pc == 0:
            check.that(self.elem is None, "iterator frame holds an element it has not pulled")
        check.value(self.elem, "iterator element")

    def resume(self, value):
        r = self.it.step(self.pc, self.elem, value)
        return self.it.next() if r is _AGAIN else r


@serializable
class SrcIter(LazyIter):
    TAG = "iter.src"
    FIELDS = ("src", "i")
    __slots__ = FIELDS

    def __init__(self, src):
        self.src = src
        self.i = 0

    def validate(self, check):
        src = check.list(self.src, "iterator source")
        check.index(self.i, 0, len(src), "iterator source position")

    def next(self):
        i = self.i
        if i >= len(self.src):
            return END
        self.i = i + 1
        return self.src[i]

    def gen(self):
        src = self.src
        while self.i < len(src):
            self.i += 1
            yield src[self.i - 1]


@serializable
class MapIter(LazyIter):
    TAG = "iter.map"
    FIELDS = ("up", "fn", "index", "with_index")
    __slots__ = FIELDS

    def __init__(self, up, fn, with_index=False):
        self.up = up
        self.fn = fn
        self.index = 0
        self.with_index = with_index

    def validate(self, check):
        check.iterator(self.up)
        check.function(self.fn, what="map closure")
        check.integer(self.index, 0, (1 << 31) - 1, "map index")
        check.that(type(self.with_index) is bool, "map with_index flag")

    def step(self, pc, elem, value):
        if pc == 0:
            if value is END:
                return END
            args = (value, self.index) if self.with_index else (value,)
            value = self._apply(self.fn, args, 1, value)
        self.index += 1
        return value

    def gen(self):
        fn = self.fn
        for x in self.up.gen():
            if self.with_index:
                v = call_args(fn, (x, self.index))
            else:
                v = call_item(fn, x)
            self.index += 1
            yield v


@serializable
class FilterIter(LazyIter):
    TAG = "iter.filter"
    FIELDS = ("up", "fn")
    __slots__ = FIELDS

    def __init__(self, up, fn):
        self.up = up
        self.fn = fn

    def validate(self, check):
        check.iterator(self.up)
        check.function(self.fn, what="filter closure")

    def step(self, pc, elem, value):
        if pc == 0:
            if value is END:
                return END
            elem = value
            value = self._apply(self.fn, (elem,), 1, elem)
        return elem if truthy(value) else _AGAIN

    def gen(self):
        fn = self.fn
        for x in self.up.gen():
            if truthy(call_item(fn, x)):
                yield x


@serializable
class FlatMapIter(LazyIter):
    TAG = "iter.flatmap"
    FIELDS = ("up", "fn", "buf", "bi")
    __slots__ = FIELDS

    def __init__(self, up, fn):
        self.up = up
        self.fn = fn
        self.buf = None
        self.bi = 0

    def validate(self, check):
        check.iterator(self.up)
        check.function(self.fn, optional=True, what="flatMap closure")
        if self.buf is None:
            check.that(type(self.bi) is int and self.bi == 0,
                       "flatMap position without a buffer")
        else:
            buf = check.list(self.buf, "flatMap buffer")
            check.index(self.bi, 0, len(buf), "flatMap position")

    def next(self):
        while True:     # (a loop, not recursion: many empty expansions in a row are fine)
            if self.buf is not None and self.bi < len(self.buf):
                self.bi += 1
                return self.buf[self.bi - 1]
            r = self.step(0, None, self._pull(self.up))
            if r is not _AGAIN:
                return r

    def step(self, pc, elem, value):
        if pc == 0:
            if value is END:
                return END
            value = value if self.fn is None else self._apply(self.fn, (value,), 1, value)
        self.buf = _expand(value)
        self.bi = 0
        return _AGAIN

    def gen(self):
        for x in self.up.gen():
            yield from _expand(x if self.fn is None else call_item(self.fn, x))


def _expand(v):
    if v is None:
        return []
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return [[k, x] for k, x in v.items()]
    return [v]


@serializable
class SkipIter(LazyIter):
    TAG = "iter.skip"
    FIELDS = ("up", "n", "done")
    __slots__ = FIELDS

    def __init__(self, up, n):
        self.up = up
        self.n = n
        self.done = 0

    def validate(self, check):
        check.iterator(self.up)
        n = check.integer(self.n, 0, (1 << 63) - 1, "skip count")
        check.index(self.done, 0, n, "skipped so far")

    def step(self, pc, elem, value):
        if value is END:
            return END
        if self.n >= 0 and self.done < self.n:
            self.done += 1
            return _AGAIN
        return value

    def gen(self):
        up = self.up.gen()
        return itertools.islice(up, max(self.n, 0), None)


@serializable
class LimitIter(LazyIter):
    TAG = "iter.limit"
    FIELDS = ("up", "n", "count")
    __slots__ = FIELDS

    def __init__(self, up, n):
        self.up = up
        self.n = n
        self.count = 0

    def validate(self, check):
        check.iterator(self.up)
        n = check.integer(self.n, 0, (1 << 63) - 1, "limit count")
        check.index(self.count, 0, n, "taken so far")

    def next(self):
        if self.n >= 0 and self.count >= self.n:
            return END
        return LazyIter.next(self)

    def step(self, pc, elem, value):
        if value is END:
            return END
        self.count += 1
        return value

    def gen(self):
        up = self.up.gen()
        return up if self.n < 0 else itertools.islice(up, self.n)


@serializable
class DrainFrame(BuiltinFrame):
    """A consumer turning a chain into a List, waiting for a suspended ``next()``."""
    TAG = "iter.drain"
    FIELDS = ("it", "acc")
    __slots__ = FIELDS

    def __init__(self, it, acc):
        self.it = it
        self.acc = acc

    def validate(self, check):
        check.iterator(self.it)
        check.that(type(self.acc) is list, "drained elements must be a List")
        check.value(self.acc, "drained elements")

    def resume(self, value):
        if value is END:
            return self.acc
        self.acc.append(value)
        return self.run()

    def run(self):
        it, acc = self.it, self.acc
        while True:
            try:
                v = it.next()
            except Suspend as s:
                s.frames.append(self)
                raise
            if v is END:
                return acc
            acc.append(v)


def to_list(v):
    """A chain's elements as a List (anything else unchanged)."""
    if not isinstance(v, LazyIter):
        return v
    if not v.may_suspend():
        return list(v.gen())
    if type(v) is MapIter and type(v.up) is SrcIter and not v.with_index:
        return _drain_map(v, [])
    return DrainFrame(v, []).run()


def _drain_map(m, acc):
    """``DrainFrame(m, acc).run()`` for a map stage straight over a List, whose closure may
    suspend, without a next()/step() call per element: on a Suspend it leaves the states
    and frames those leave (the source past the element, the map's call on it waiting,
    the drain with the elements so far)."""
    up, fn = m.up, m.fn
    src = up.src
    direct = item_function(fn)
    while up.i < len(src):
        x = src[up.i]
        up.i += 1
        try:
            v = direct(x) if direct is not None else call_item(fn, x)
        except Suspend as s:
            s.frames.append(IterFrame(m, 1, x))
            s.frames.append(DrainFrame(m, acc))
            raise
        m.index += 1
        acc.append(v)
    return acc


def _limit_count(args, name):
    if len(args) != 1:
        raise JactlRuntimeError(f"{name}() takes one argument")
    n = args[0]
    if isinstance(n, bool) or not isinstance(n, int):
        raise JactlRuntimeError(f"Argument to {name}() must be an int")
    return int(n)


def stage(obj, name, args):
    """The lazy stage ``obj.name(args)``, or None when ``name`` with these arguments is
    not a lazy stage (the caller then uses the eager method)."""
    fn = args[0] if len(args) == 1 else None
    if name in CLOSURE_STAGES:
        if len(args) > 1 or (args and not callable(fn) and fn is not None):
            return None
        if args and not isinstance(fn, (Closure, BoundMethod)):
            return None
    elif name not in COUNT_STAGES:
        return None
    elif len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], int) or \
            args[0] < 0:
        return None
    up = obj if isinstance(obj, LazyIter) else SrcIter(as_list(obj))
    name = canonical(name)
    if name == "map":
        return MapIter(up, fn) if fn is not None else up
    if name == "mapWithIndex":
        if fn is None:
            return None
        return MapIter(up, fn, with_index=True)
    if name == "filter":
        return FilterIter(up, fn) if fn is not None else None
    if name == "flatMap":
        return FlatMapIter(up, fn)
    n = _limit_count(args, name)
    if n < 0:
        return None      # counted from the end: needs the whole list (the eager method)
    return SkipIter(up, n) if name == "skip" else LimitIter(up, n)

