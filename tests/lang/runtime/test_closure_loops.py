"""Loops over closures that may suspend (each's LoopFrame with the closure's function
called directly, a map stage drained without per-element next() calls) and closures with
class-typed parameters called dynamically (the learned exact types): a suspension in the
middle, saved and restored in a fresh Context, must continue where it stopped, and
arguments that need converting still convert."""

import re

import pytest

import lang

from fastpath_cases import run_saving_each_suspension

SUSPENDING = [
    # each: the closure calls a function value, so it may suspend; one of them sleeps
    ("def out = []; def fs = [{ x -> out <<= x }, { x -> sleep(0, x); out <<= x * 10 }]\n"
     "[1, 2].each{ v -> fs.each{ f -> f(v) } }; out", [1, 10, 2, 20]),
    # a map whose List sum() takes whole: the eager map, suspending at its second element
    ("def f = { x -> x == 2 ? sleep(0, x * 100) : x }; [1, 2, 3].map{ f(it) }.sum()", 204),
    # a lazy map over a List drained into a List (runtime/iterators.py: _drain_map)
    ("def f = { x -> x == 2 ? sleep(0, x * 100) : x }; [1, 2, 3].map{ f(it) }", [1, 200, 3]),
    # a consumer with an argument that is not a literal: the stage stays lazy, so the
    # argument is evaluated before the closure runs
    ("def out = []; def f = { x -> out <<= x; sleep(0, x) }\n"
     "def s = [1, 2].map{ f(it) }.join(out.size() == 0 ? 'a' : 'b'); [s, out]",
     ["1a2", [1, 2]]),
    # the same over a Map's entries, destructured into two parameters
    ("def f = { k, v -> sleep(0, k.size() + v) }; [a:1, bb:2].map{ k, v -> f(k, v) }.join(',')",
     "2,4"),
    # the eager map and each over a Map's entries with a { k, v -> } closure called
    # directly (iteration.py: pair_function), suspending at the second entry
    ("def f = { k, v -> v == 2 ? sleep(0, v * 10) : v }; [a:1, b:2, c:3].map{ k, v -> f(k, v) }.sum()",
     24),
    ("def out = []; def f = { k, v -> v == 2 ? sleep(0, v * 10) : v }\n"
     "[a:1, b:2, c:3].each{ k, v -> out <<= k + f(k, v) }; out", ["a1", "b20", "c3"]),
    # for-in in a function that may suspend (its first-entry copy loops with enumerate),
    # the List growing in the loop
    ("def f(l) { def r = []; for (x in l) { if (x < 3) { l <<= x + 2 }; r <<= sleep(0, x) }; r }"
     "\nf([1, 2])", [1, 2, 3, 4]),
    # a map stage feeding a filter: the general drain
    ("def f = { x -> sleep(0, x) }; [1, 2, 3, 4].map{ f(it) }.filter{ it % 2 == 0 }", [2, 4]),
]


@pytest.mark.parametrize("src,expected", SUSPENDING)
@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("restore", [False, True])
def test_suspending_closure_loops(src, expected, cpe, restore):
    assert run_saving_each_suspension(src, cpe=cpe, restore=restore) == expected
    assert lang.eval(src, {}) == expected


def test_error_in_drained_map_has_position():
    src = "def f = { x -> x }\n[1, 0].map{\n  f(it) / it\n}.sum()"
    with pytest.raises(lang.JactlError) as ei:
        lang.eval(src, {})
    assert "line 3, column" in str(ei.value)


CLASS_PARAMS = """
class P { int k }
class Q extends P { }
def f = { P p -> p.k }
def g = { P p, int n -> p.k + n }
[f(new P(1)), f(new P(2)), f(new Q(3)), f([k:4]), g(new P(5), 1), g(new P(6), 2), g([k:7], 3)]
"""


def test_class_parameters_after_learning():
    # the first exact call teaches the closure P's type; subclass instances and Maps that
    # must be converted still work afterwards
    assert lang.eval(CLASS_PARAMS, {}) == [1, 2, 3, 4, 6, 8, 10]


def test_class_parameter_conversion_error_after_learning():
    src = "class P { int k }\ndef f = { P p -> p.k }\nf(new P(1))\nf('x')"
    with pytest.raises(lang.JactlError) as ei:
        lang.eval(src, {})
    assert "line 4" in str(ei.value)


@pytest.mark.parametrize("src,eager", [
    ("def f = { it }; [1].map{ f(it) }.sum()", True),
    ("def f = { it }; [1].filter{ f(it) }.join(',')", True),
    ("def f = { it }; [1].map{ f(it) }.size()", True),
    ("def f = { it }; [1].map{ [f(it), 1] }.collectEntries()", True),
    ("def f = { it }; [1].map{ f(it) }.collect{ it }", False),
    ("def f = { it }; [1].map{ f(it) }", False),                  # drained into a List
    ("def f = { it }; [1].map{ f(it) }.limit(1).sum()", False),   # another stage first
    ("def f = { it }; def s = ','; [1].map{ f(it) }.join(s)", False),
    ("def f = { it }; [1].map{ f(it) }.anyMatch{ it }", False),   # stops early
    ("def f = { it }; [1].each{ f(it) }", True),                   # not a lazy stage
    ("def f = { it }; [1].reduce(0){ a, b -> f(b) }", False),
])
def test_eager_stage_only_for_whole_consumers(src, eager):
    py = lang.Context().compile(src, globals={}).py_source
    name = re.search(r"\[1\]\.(\w+)", src).group(1)
    call = py[:py.index(f"[1], '{name}', (")]      # the call of the method on [1]
    assert call[call.rindex("_invoke"):].startswith("_invoke_eager(") == eager


NON_SUSPENDING_PAIRS = [
    ("def out = []; [a:1, b:2].each{ k, v -> out <<= k + v }; out", ["a1", "b2"]),
    ("[a:1, b:2].map{ k, v -> k + v }", ["a1", "b2"]),
    ("[[1, 2], [3, 4]].map{ a, b -> a * b }", [2, 12]),
]

# elements that are not two-element Lists take the general call, with its errors
PAIR_ERRORS = [
    ("[[1, 2], [3, 4, 5]].map{ a, b -> [a, b] }", "Too many arguments"),
    ("[[1, 2], 3].each{ a, b -> [a, b] }", "Missing mandatory arguments"),
]


@pytest.mark.parametrize("src,message", PAIR_ERRORS)
def test_pair_closure_errors(src, message):
    with pytest.raises(lang.JactlError, match=message):
        lang.eval(src, {})


@pytest.mark.parametrize("src,expected", NON_SUSPENDING_PAIRS)
def test_pair_closures(src, expected):
    assert lang.eval(src, {}) == expected
