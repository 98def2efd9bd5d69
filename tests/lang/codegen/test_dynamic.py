"""The fast paths for untyped code (codegen/dynamic.py, runtime/fastcalls.py): each one
must give what the general path gives, including where its test fails and the general
path takes over, and suspension through them must still checkpoint and resume."""

import pytest

import lang
from decimal import Decimal
from lang.runtime.types import Long
from lang.codegen.dynamic import add_fast_variant
from lang.errors import JactlError


def run(src, **g):
    return lang.Context().compile(src).start(dict(g)).value


def run_restoring(src):
    """Run src, saving and restoring every suspension in a fresh Context."""
    ctx = lang.Context()
    out = ctx.compile(src).start({})
    n = 0
    while isinstance(out, lang.Suspended):
        n += 1
        data = lang.Checkpointer.save(out.continuation)
        ctx2 = lang.Context()
        ctx2.compile(src)
        out = lang.Restorer.restore(ctx2, data).resume(out.request.value)
    return out.value, n


@pytest.mark.parametrize("src, want", [
    # function values: exact arity inline, defaults, list spreading, typed parameters
    ("def f = { x -> x + 1 }; f(2)", 3),
    ("def k = 5; def f = { x -> x + k }; f(2)", 7),
    ("def f = { x, y = 10 -> x + y }; f(2)", 12),
    ("def f = { x, y -> x + y }; f([3, 4])", 7),
    ("def f = { int x -> x * 2 }; f(3)", 6),
    ("def f = { int x -> x * 2 }; f(3L)", 6),
    ("def f = { long x -> x * 2 }; f(3)", Long(6)),
    ("def f = { int x -> x }; f('a')", 97),
    ("def f = { -> 7 }; f()", 7),
    ("def f = { a, b, c -> a + b + c }; f(1, 2, 3)", 6),
    ("def f = sprintf; f('%d-%s', 1, 'a')", "1-a"),
    # builtin methods by receiver type
    ("def s = 'AbC'; s.toLowerCase()", "abc"),
    ("def s = 'AbC'; s.toLowerCase(1)", "abC"),
    ("def m = [a:1]; m.size()", 1),
    ("def m = [size: { -> 42 }]; m.size()", 42),
    ("def x = [1,2]; x.size() + 'ab'.size()", 4),
    ("'a,b,,c,'.split(',')", ["a", "b", "", "c", ""]),
    ("'a.b'.split('.')", ["", "", "", ""]),
    ("'a1b22c'.split(/\\d+/)", ["a", "b", "c"]),
    ("'aXbxc'.split('x', 'i')", ["a", "b", "c"]),
    # indexing and stores
    ("def x = [1,2,3]; x[-1]", 3),
    ("def x = [1,2,3]; x[5]", None),
    ("def x = [1,2,3]; x[1L]", 2),
    ("def x = [1]; x[3] = 'z'; x", [1, None, None, "z"]),
    ("def x = [1,2]; x[-1] = 9; x", [1, 9]),
    ("def m = [:]; m.a = 1; m['b'] = 2; m[3] = 4; m", {"a": 1, "b": 2, 3: 4}),
    ("def m = [a:[b:1]]; m.a.b", 1),
    ("def m = [a:null]; m.a", None),
    ("def s = 'abc'; s[1]", "b"),
    ("def x; x[1] = 2; x", [None, 2]),
    ("def x; x.a = 2; x", {"a": 2}),
    ("def c = [:]; for (w in ['a','b','a']) { c[w] = (c[w] ?: 0) + 1 }; c", {"a": 2, "b": 1}),
    ("def x = [0]; def i = 0; x[i] = x.size() + 1; x", [2]),
    # truth, equality, switch
    ("def x = [false, 0, '', null, [], 'a']; x.map{ it ? 1 : 0 }", [0, 0, 0, 0, 0, 1]),
    ("def x = 'a'; x == 'a' && 'a' == x && x != 'b'", True),
    ("def x = 1; x == '1'", False),
    ("def x = null; x == 'a'", False),
    ("def x = 1L; switch (x) { 1 -> 'int'; 1L -> 'long'; default -> 'none' }", "long"),
    ("def x = 'b'; switch (x) { 'a' -> 1; 'b' -> 2; default -> 3 }", 2),
    # long arithmetic on untyped values
    ("def x = 3L; x * 1103515245L", Long(3310545735)),
    ("def x = 9223372036854775807L; x + 1L", Long(-9223372036854775808)),
    ("def x = 3; x * 4000000000L", Long(12000000000)),
    ("def x = -7L; x % 3L", Long(2)),
    ("def x = 2.5; x * 2L", Decimal("5.0")),
    ("def x = 5L; def y = 2; x * y + x - y", Long(13)),
    ("def x = 9223372036854775807L; def y = 2; x * y", Long(-2)),
    ("def x = 7L; def y = 3; x % y", Long(1)),
    # closure-taking methods with plain closures
    ("[3,1,2].sort{ a, b -> a <=> b }", [1, 2, 3]),
    ("[3,1,2].sort{ a, b -> b <=> a }", [3, 2, 1]),
    ("[1,2,3].reduce(0){ a, b -> a + b }", 6),
    ("[1,2,3].reduce(0){ a -> a[0] + a[1] }", 6),
    ("[1,2,3].anyMatch{ it > 2 }", True),
    ("[1,2,3].allMatch{ it > 2 }", False),
    ("[1,2,3].noneMatch{ it > 5 }", True),
    ("[1,2,3].filter{ it != 2 }", [1, 3]),
    ("[[1,2],[3,4]].map{ a, b -> a + b }", [3, 7]),
    ("def k = 10; [1,2].each{ k += it }; k", 13),
    # sprintf
    ("sprintf('%02d:%5d|%-4d|%s|%%', 3, -42, 7, 'x')", "03:  -42|7   |x|%"),
    ("sprintf('%s', 5L)", "5"),
    ("sprintf('%s %s', [1], null)", "[1] null"),
    ("sprintf('%d', 5L)", "5"),
    ("sprintf('%5.2f', 1.5)", " 1.50"),
    # conversions into typed variables
    ("def x = 3; int i = x; i", 3),
    ("def x = 3L; int i = x; i", 3),
    ("def x = 'a'; String s = x; s", "a"),
    ("def x = []; boolean b = x; b", False),
])
def test_fast_paths_agree(src, want):
    got = run(src)
    assert got == want
    assert type(got) is type(want) or want is None


@pytest.mark.parametrize("src", [
    "def f = 1; f(2)",
    "def f = { x -> x }; f(1, 2)",
    "def f = { x, y -> x }; f(1)",
    "def m = [a:1]; m.a.b",
    "def x = 1; x.foo()",
    "def x = null; x.size()",
    "def x = [1]; x[-3]",
    "def x = [1]; x[-3] = 1",
    "def s = 'abc'; s[5]",
    "def x = 'a'; x * -1L",
    "def f = { int x -> x }; f([])",
    "[3,1].sort{ a, b -> 'x' }",
])
def test_errors_still_raised(src):
    with pytest.raises(JactlError):
        run(src)


def test_suspend_through_function_value_call():
    src = """
    def inc = { x -> sleep(0, x + 1) }
    def twice(f, x) { def r = f(x); r = f(r); r }
    def total = 0
    for (def i = 0; i < 3; i++) { total += twice(inc, i) }
    total
    """
    assert run_restoring(src) == (9, 6)


def test_suspend_in_closure_method_and_sort():
    src = """
    def xs = [3, 1, 2]
    def ys = xs.map{ sleep(0, it * 2) }
    def zs = xs.sort{ a, b -> sleep(0, a <=> b) }
    [ys, zs, xs.reduce(0){ a, b -> sleep(0, a + b) }]
    """
    value, n = run_restoring(src)
    assert value == [[6, 2, 4], [1, 2, 3], 6]
    assert n >= 6


def test_checkpoint_each_statement_uses_the_copies():
    src = "def f = { x -> x * 2 }; def s = 0; for (def i = 0; i < 4; i++) { s += f(i) }; s"
    ctx = lang.Context()
    out = ctx.compile(src, checkpoint_each_statement=True).start({})
    n = 0
    while isinstance(out, lang.Suspended):
        n += 1
        data = lang.Checkpointer.save(out.continuation)
        ctx2 = lang.Context()
        ctx2.compile(src, checkpoint_each_statement=True)
        out = lang.Restorer.restore(ctx2, data).resume(None)
    assert out.value == 12
    assert n >= 7


def test_fast_variant_generated_for_resumable_functions():
    src = "def g(f) { def r = f(1); r + 1 }; g{ it * 3 }"
    py = lang.Context().compile(src).py_source
    assert "def _f1_r(v_f, _fr=None, _rv=None):" in py
    assert "def _f1(v_f, _fr=None, _rv=None):" in py
    fast = py.split("def _f1(v_f, _fr=None, _rv=None):")[1].split("_FN1 =")[0]
    assert "_pc ==" not in fast and "if not _pc" not in fast
    assert run(src) == 4


def test_fast_variant_leaves_unknown_shapes_alone():
    lines = [(0, "def _f3(a):", 1, 1), (1, "return a", 1, 1)]
    assert add_fast_variant(lines, 0, 3, ["b"]) is False
    assert len(lines) == 2


def test_sprintf_fast_path_bounded_by_value_caps():
    # a result longer than 4096 characters goes through the same size checks
    assert len(run("sprintf('%s%s', 'a' * 3000, 'b' * 3000)")) == 6000


@pytest.mark.parametrize("src, want", [
    ("def a = 7; def b = 2; a / b", 3),
    ("def a = -7; def b = 2; a / b", -3),
    ("def a = 7; def b = -2; a / b", -3),
    ("def a = 7; a / 2", 3),
    ("def a = 7L; a / 2", Long(3)),
    ("def a = 7.0; a / 2", Decimal("3.5")),
    ("def a = 1; def b = 2; [a <=> b, b <=> a, a <=> a]", [-1, 1, 0]),
    ("def a = 'x'; def b = 'y'; a <=> b", -1),
    ("def x = []; x <<= 1; x <<= 2; x", [1, 2]),
    ("def x = 1; x <<= 2; x", 4),
    ("def x = []; def y = x; x <<= (x = [5]); [x.size(), x[1] === x, y]", [2, True, []]),
])
def test_int_division_compare_append(src, want):
    got = run(src)
    assert got == want and type(got) is type(want)


def test_int_division_by_zero():
    with pytest.raises(JactlError):
        run("def a = 1; def b = 0; a / b")


@pytest.mark.parametrize("src, want", [
    ("int k = 2; def f = { int x -> x * k }; int i = 5; f(i)", 10),
    ("int k = 2; def f = { long x -> x * k }; int i = 5; f(i)", Long(10)),
    ("int k = 2; def f = { x -> x * k }; int i = 5; f(i)", 10),
    ("int k = 2; def f = { int x, int y -> x * y * k }; int i = 5; f(i, i)", 50),
])
def test_typed_int_arguments_inline(src, want):
    got = run(src)
    assert got == want and type(got) is type(want)


def test_typed_int_argument_to_string_parameter_is_an_error():
    with pytest.raises(JactlError):
        run("def f = { String x -> x }; int i = 5; f(i)")


@pytest.mark.parametrize("src, want", [
    ('def x = "a"; def y = null; def z = 1L; "${x}-${y}-${z}-${[1, 2]}-${x + 1}"',
     "a-null-1-[1, 2]-a1"),
    ("(3).collect{ false }", [False, False, False]),
    ("def x = [a:1, b:2]; x.collect{ it[1] }", [1, 2]),
    ("'ab'.collect{ it + it }", ["aa", "bb"]),
])
def test_interpolation_and_collect(src, want):
    assert run(src) == want
