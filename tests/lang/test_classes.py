"""User-defined classes: construction, fields, methods, inheritance, checkpoints."""

import pytest

import lang
from lang.checkpoint import Checkpointer
from lang.context import Context, Restorer, Suspended
from lang.errors import CheckpointError, JactlError


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,expected", [
    ("class X { int x; int y = x*2; def f(a) { x + y + a }; static int g(){10} }\n"
     "new X(1).f(2) + X.g()", 15),
    ("class X{ static int f(int x){x} }\nX.f(x:3)", 3),
    ("class Point { double x; double y }\ndef p = new Point(x:1, y:2)\np.x", 1.0),
    ("class A { int x; def f(){ x } }\nclass B extends A { int y; def f() { super.f() + y } }\n"
     "new B(1,2).f()", 3),
    ("class A { int x; def f(){ x++; this } }\nnew A(3).f() instanceof A", True),
    ("class X { const int C = 7; int x; def f() { C + x } }\nnew X(1).f() + X.C", 15),
    ("class X { def f(x){x*x} }; def x = new X(); def g = x.f; g(3)", 9),
])
def test_class_values(src, expected, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == expected


def test_instance_prints_like_map():
    v = lang.eval("class P { int x; int y }\nnew P(1, 2)")
    assert dict(v.items()) == {"x": 1, "y": 2}
    assert lang.eval("class P { int x; int y }\nnew P(1, 2).toString()") == "[x:1, y:2]"


def test_suspend_inside_method():
    src = ("class A { int x; def f(n) { def r = sleep(0, x + n); x += r; x } }\n"
           "def a = new A(1); a.f(2) + a.f(3)")
    assert lang.eval(src) == 4 + 11
    assert lang.eval(src, checkpoint_each_statement=True) == 4 + 11


def test_restore_instance_in_fresh_context():
    src = "class P { int x; String s = 'a' }\ndef p = new P(5); sleep(0, 1); p.x += 1; p.s + p.x"
    ctx = Context()
    out = ctx.compile(src).start()
    assert isinstance(out, Suspended)
    data = Checkpointer.save(out.continuation)
    fresh = Context()
    fresh.compile(src)
    cont = Restorer.restore(fresh, data)
    assert cont.resume(1).value == "a6"


def test_restore_rejects_unknown_class():
    src = "class P { int x }\ndef p = new P(5); sleep(0, 1); p.x"
    other = "class Q { int x }\ndef p = new Q(5); sleep(0, 1); p.x"
    ctx = Context()
    out = ctx.compile(src).start()
    data = Checkpointer.save(out.continuation)
    # a context whose script (same hash) lacks the class cannot exist; simulate a tampered
    # class table instead
    fresh = Context()
    s = fresh.compile(src)
    orig = fresh.instance_for_restore

    def inst_for(h):
        i = orig(h)
        i.ns["_CLASSES"] = {}
        return i
    fresh.instance_for_restore = inst_for
    with pytest.raises(CheckpointError):
        Restorer.restore(fresh, data)
    assert other


def test_unknown_class_error():
    with pytest.raises(JactlError):
        lang.eval("class X extends Y { int x }\n1")


@pytest.mark.parametrize("src,expected", [
    # one target: the resume point names the method's function as the frame inside
    ("class A { int x; int f(int n) { int r = sleep(0, x + n); x += r; x } }\n"
     "A a = new A(1); int s = a.f(2); s + a.f(3)", 4 + 11),
    # an override picked by Python's dispatch, both suspending
    ("class A { int x; int f(int n) { sleep(0, n) + x } }\n"
     "class B extends A { int f(int n) { sleep(0, n * 10) + x } }\n"
     "A a = new B(1); A b = new A(2); a.f(2) + b.f(3)", 21 + 5),
    # the argument converted by the caller (long parameter given an int)
    ("class A { long f(long n) { sleep(0, n) * 2 } }\nA a = new A(); def r = a.f(3); r.className() + r",
     "long6"),
])
def test_typed_call_of_suspending_method_checkpoints(src, expected):
    """A method that may suspend, called on a receiver of a known class, is a direct call
    (``a._m_f(...)``) and a suspend site: every checkpoint restores in a fresh context."""
    assert "_m_f(" in Context().compile(src).py_source
    assert lang.eval(src) == expected
    assert lang.eval(src, checkpoint_each_statement=True) == expected
    ctx = Context()
    out = ctx.compile(src).start()
    steps = 0
    while isinstance(out, Suspended):
        data = Checkpointer.save(out.continuation)
        fresh = Context()
        fresh.compile(src)
        out = Restorer.restore(fresh, data).resume(out.request.value)
        steps += 1
    assert steps >= 1 and out.value == expected
