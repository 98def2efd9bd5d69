"""A parameter default that suspends runs in the function's body, resumable like any
statement: the function's frame is kept, and its body runs after the default."""

import pytest

import lang


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
@pytest.mark.parametrize("src, want", [
    ("def f(x=sleep(0,2)){x*x}; f()", 4),
    ("def f(a=sleep(0,1), b=a+1){a+b}; f()", 3),
    ("def f(a=sleep(0,1), b=a+1){a+b}; f(5)", 11),
    ("def f(a, b=sleep(0,a)*2){a+b}; f(3)", 9),
    ("def f(x=sleep(0,2)){x*x}; def y = f(); checkpoint(); y + f(3)", 13),
    ("class X { def f(int x=sleep(0,2)) { x * 3 } }; new X().f()", 6),
])
def test_suspending_defaults(src, want, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == want
