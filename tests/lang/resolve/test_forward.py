"""Functions used before what they close over exists (resolve/forward.py)."""

import pytest

import lang
from lang.errors import CompileError


def err(src):
    with pytest.raises(CompileError) as ei:
        lang.eval(src)
    return str(ei.value)


def test_forward_calls_are_fine_when_captures_are_declared_first():
    assert lang.eval("def y = 3; def f(x) { 2 * g(x) }; def z = f(3); def g(x) { x * y }; z") == 18
    assert lang.eval("def f(x) { if (x==1) x else 2 * g(x) }; def g(x) { x + f(x-1) }; f(3)") == 18


def test_a_later_function_closing_over_a_later_variable():
    assert "closes over variable y not yet declared" in \
        err("def f(x) { g(x) }; def y = 2; def g(x) { x + y}; f(3)")


def test_function_values_made_before_they_are_initialised():
    assert "closes over variable g that has not yet been initialised" in \
        err("def f() { def a = g; a() }; def g(){4}; f()")
    assert "closes over variables g,y that have not yet been initialised" in \
        err("def f() { def a = g; def b=y; a()+b() }; def y(){2}; def g(){4}; f()")
    assert "closes over variable h that has not yet been initialised" in \
        err("def g(x){f(x)}; var h=g; def f(x,a=h){x == 1 ? 1 : x+a(x-1)}; f(2)")
    assert "closes over variable g that has not yet been initialised" in \
        err("class A { def func() { def f() { def a = g; a() }; def g(){4}; f()}}; new A().func()")


def test_unreachable_statement_after_return():
    assert "Unreachable statement" in err("double v = 2; return v; v = v + 1")
    assert lang.eval("int v = 2; { v = v + 1; return v }; v = v + 3") == 3
