"""The one table of facts about Jactl's builtin methods and functions.

Every stage reads its facts about builtins from here instead of keeping its own list: the
resolver (which calls may suspend), codegen (which calls may stay lazy, which have fast
paths) and the runtime (what it registers, which stages are lazy). A fact kept in two
places drifts: the resolver once missed the aliases ``mapi``/``fmap`` the runtime had, and
a suspension inside them dropped the rest of the script.

This module is a leaf: it imports nothing from ``lang``, so any stage can read it without
an import cycle. tests/lang/resolve/test_builtin_facts.py checks the runtime's method
registrations against it.
"""

from typing import NamedTuple


class Method(NamedTuple):
    """A builtin method that calls a closure argument (so may suspend when the closure
    may).

    ``receivers`` are the runtime's type keys it is registered for (runtime/methods.py);
    ``params`` its Jactl parameters ``(name, type, mandatory)``; ``lazy`` whether, chained
    on another lazy stage or an iterable, it becomes a lazy stage (runtime/iterators.py)
    whose closure runs when the chain is consumed; ``alias_of`` the name it is another
    name for."""
    name: str
    receivers: tuple
    params: tuple
    lazy: bool = False
    alias_of: str = None


_ITERABLE = ("Iterable", "Number")     # (a number n iterates 0..n-1)


def _m(name, param, lazy=False, alias_of=None, params=None):
    return Method(name, _ITERABLE, params or ((param, "Function", False),), lazy, alias_of)


CLOSURE_METHODS = {m.name: m for m in (
    _m("each", "action"),
    _m("map", "mapper", lazy=True),
    _m("collect", "mapper"),
    _m("filter", "predicate", lazy=True),
    _m("flatMap", "mapper", lazy=True),
    _m("fmap", "mapper", lazy=True, alias_of="flatMap"),
    _m("mapWithIndex", "mapper", lazy=True),
    _m("mapi", "mapper", lazy=True, alias_of="mapWithIndex"),
    _m("anyMatch", "predicate"),
    _m("allMatch", "predicate"),
    _m("noneMatch", "predicate"),
    _m("reduce", None, params=(("initial", "def", True), ("accumulator", "Function", True))),
    _m("collectEntries", "mapper"),
    _m("groupBy", None, params=(("closure", "Function", True),)),
    _m("min", "closure"),
    _m("max", "closure"),
    _m("sort", "comparator"),
)}

# Lazy stages that take a count, not a closure (``x.map{...}.skip(1)`` stays lazy).
COUNT_STAGES = frozenset(("skip", "limit"))

# Every lazy stage: chained on an iterable, the call makes a lazy iterator, and the
# closures of the chain run when a consuming call reads it.
LAZY_STAGES = frozenset({n for n, m in CLOSURE_METHODS.items() if m.lazy} | COUNT_STAGES)

# The lazy stages that take a closure (the others take a count).
CLOSURE_STAGES = frozenset(n for n, m in CLOSURE_METHODS.items() if m.lazy)

# Methods that read a whole iterable (so consume a lazy chain) and, given an argument that
# is not a plain value, are treated as possibly suspending: the resolver's conservative
# rule, kept from before the table existed.
CONSUMING_METHODS = frozenset(("sum", "avg", "join", "skip", "limit", "grouped",
                               "windowSliding", "subList", "size", "reverse", "transpose",
                               "unique"))

# Methods that may stop reading their receiver before its end (codegen: a lazy chain
# under one of them is not drained, so its closures may not all run).
EARLY_STOP_METHODS = frozenset(("limit", "anyMatch", "allMatch", "noneMatch"))

# Method names whose call may suspend when given a closure (or any non-plain argument).
MAY_SUSPEND_METHODS = frozenset(CLOSURE_METHODS) | CONSUMING_METHODS


def canonical(name):
    """The method a builtin alias stands for (``mapi`` -> ``mapWithIndex``), else name."""
    m = CLOSURE_METHODS.get(name)
    return m.alias_of or name if m is not None else name


# Builtin global functions: name -> whether a call always suspends.
BUILTIN_FUNCTIONS = {
    "println": False, "print": False, "sprintf": False, "sleep": True, "checkpoint": True,
    "eval": False, "uuid": False, "timestamp": False, "nanoTime": False, "nextLine": False,
    "sqrt": False, "stream": True, "$classFromJson": True,  # (its constructor may suspend)
    "$classMember": False, "$missing": False, "$isMissing": False,
}
