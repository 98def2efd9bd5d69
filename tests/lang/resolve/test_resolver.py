"""The resolver's annotations: which functions may suspend, what closures capture, and which
untyped locals are inferred to be ints."""

import pytest

from lang.errors import CompileError
from lang.resolve import resolve
from lang.syntax import parse


def resolved(src, **kw):
    return resolve(parse(src), src, **kw)


def funcs(r):
    return {f.name: f for f in r.functions}


def test_only_functions_reaching_a_suspending_builtin_may_suspend():
    r = resolved("def a(x) { x + 1 }\n"
                 "def b(x) { sleep(0, x) }\n"
                 "def c(x) { b(x) * 2 }\n"
                 "def d(x) { a(x) }\n"
                 "c(1) + d(2)")
    f = funcs(r)
    assert not f["a"].may_suspend and not f["d"].may_suspend
    assert f["b"].may_suspend and f["c"].may_suspend
    assert r.main.may_suspend


def test_calling_an_unknown_function_value_may_suspend():
    f = funcs(resolved("def apply(g, x) { g(x) }; apply({ it }, 1)"))
    assert f["apply"].may_suspend


def test_closure_method_only_suspends_when_its_closure_can():
    r = resolved("def x = [1,2].map{ it + 1 }; def y = [1,2].map{ sleep(0, it) }")
    closures = [f for f in r.functions if f.is_closure]
    assert [c.may_suspend for c in closures] == [False, True]


def test_captured_variables_live_in_cells_of_the_declaring_function():
    r = resolved("def n = 0; def inc = { n++ }; inc(); n")
    clo = [f for f in r.functions if f.is_closure][0]
    assert [s.name for s in clo.free] == ["n"]
    assert clo.free[0].captured and clo.free[0].owner is r.main


def test_untyped_local_holding_only_ints_is_inferred_int():
    r = resolved("def s = 0; def t = 0; for (def i = 0; i < 3; i++) { s += i; t = t + 0.5 }")
    types = {s.name: s.type for s in r.main.locals}
    assert types["s"] == "int" and types["i"] == "int"
    assert types["t"] == "def"


def test_every_error_is_reported_at_once():
    with pytest.raises(CompileError) as e:
        resolved("x = 1; y = 2", globals_names=[])
    assert "2 errors found" in str(e.value)


def test_unknown_variable_is_an_error_when_globals_are_known():
    with pytest.raises(CompileError, match="Reference to unknown variable 'y'"):
        resolved("x + y", globals_names=["x"])
