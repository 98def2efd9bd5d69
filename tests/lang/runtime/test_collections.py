"""Collection runtime: closure methods as registered methods (bound values, named args,
argument checks), List/Map map keys, array indexing and conversions, dynamic calls."""

import pytest

import lang
from lang.errors import JactlError, JactlRuntimeError, NullError
from lang.runtime import access, calls
from lang.runtime.functions import BoundMethod
from lang.runtime.types import Byte, JArray, Long
from lang.runtime.values import KeyList, KeyMap, hkey, to_string


def ev(src, **kw):
    return lang.eval(src, {}, **kw)


def both(src):
    """The script's value, plainly and with a checkpoint after every statement."""
    a = ev(src)
    b = ev(src, checkpoint_each_statement=True)
    assert a == b
    return a


# ------------------------------------------------------------------ closure methods

@pytest.mark.parametrize("src,expected", [
    ("def f = [1,2,3].map; f{ it * 2 }", [2, 4, 6]),
    ("def f = [1,2,3].map; f()", [1, 2, 3]),
    ("def f = 'abacad'.filter; f{ it != 'a' }.join()", "bcd"),
    ("def f = [a:true,b:false,c:true].filter; f{ it[1] }.map{ it[0] }", ["a", "c"]),
    ("[1,'',2].filter(predicate:{ it })", [1, 2]),
    ("def f = [1,'',2].allMatch; f(predicate:{ it })", False),
    ("def x = [1,2,3]; x.reduce(initial:[], accumulator:{ v,e -> v + e })", [1, 2, 3]),
    ("def f = [3,2,1].sort; f{ a,b -> a <=> b }", [1, 2, 3]),
    ("[1,2].sort{ it[1] <=> it[0] }", [2, 1]),
    ("[a:1,b:2].reduce(''){ it[0] + it[1] }", "['a', 1]['b', 2]"),
    ("[null].mapWithIndex{ it }", [[None, 0]]),
    ("[1,2,3].mapWithIndex{ it[0] + it[1] }.sum()", 9),
    ("def m = [a:1,b:2]; def f = m.size; f()", 2),
    ("def m = [a:1]; def f = m.remove; f('a'); m", {}),
    ("def x = 3.4; def r = 0; x.each{ r += it }; r", 3),
    ("def x = 1; def f = x.map; f{ it }", [0]),
    ("[[1,2,3],[1],[2,3]].min(closure:{ it.size() })", [1]),
])
def test_closure_methods(src, expected):
    assert both(src) == expected


@pytest.mark.parametrize("src,err", [
    ("[1,2,3].filter('abc')", "cannot convert"),
    ("def f = [1,2,3].filter; f('abc')", "cannot be cast to function"),
    ("def x = 1; [1,2,3].map(x)", "int cannot be cast to function"),
    ("5.map(null)", "null value for function"),
    ("[1].reduce(0)", "missing mandatory argument"),
    ("def x = [1,2,3]; x.reduce(initial:[]){ v,e -> v + e }",
     "missing value for mandatory parameter 'accumulator'"),
    ("def f = [a:1,b:2,c:3].flatMap; f(closurex:{ it })", "no such parameter"),
    ("['a','b'].groupBy()", "missing mandatory argument"),
    ("[a:1].collectEntries{}", "got null"),
    ("null.toString()", "tried to invoke method on null"),
])
def test_closure_method_errors(src, err):
    with pytest.raises(JactlError) as ei:
        ev(src)
    assert err in str(ei.value).lower()


def test_suspending_closures_in_registered_methods():
    src = ("def x = [a:1,x:4,e:3,g:7]; def f = x.sort; "
           "f(comparator:{ sleep(0,it[0][0]) <=> sleep(0,it[1][0]) })")
    assert both(src) == [["a", 1], ["e", 3], ["g", 7], ["x", 4]]
    assert both("[5,4,1,3,2].sort{ sleep(1,it[1]) <=> sleep(1,it[0]) }") == [5, 4, 3, 2, 1]
    assert both("[a:1,b:2].mapWithIndex(mapper:{ e,i -> sleep(0,e[0]) + i })") == ["a0", "b1"]


# ------------------------------------------------------------------ List/Map keys

def test_hkey():
    assert type(hkey([1, 2])) is KeyList and type(hkey({"a": 1})) is KeyMap
    assert hkey("a") == "a" and hkey(1) == 1
    d = {hkey([1, [2]]): 1, hkey({"a": [1]}): 2}
    assert d[hkey([1, [2]])] == 1 and d[hkey({"a": [1]})] == 2
    assert to_string(d) == "[([1, [2]]):1, ([a:[1]]):2]"


@pytest.mark.parametrize("src,expected", [
    ("Map m; def x = [1,2,3]; m[x] = 3; m[x]", 3),
    ("def m = [:]; m.put([1,2,3], 3); m[[1,2,3]]", 3),
    ("def m = [:]; m.put([a:1], 3); m.get([a:1])", 3),
    ("def m = [:]; m[[1]] = 2; [1] in m", True),
    ("[[1],[2]].groupBy{ it }.toString()", "[([1]):[[1]], ([2]):[[2]]]"),
    ("[[[1],2]].collectEntries().toString()", "[([1]):2]"),
    ("def m = [:]; m[[1,2]] = 3; m.map{ k,v -> k.size() + v }", [5]),
])
def test_list_and_map_keys(src, expected):
    assert both(src) == expected


# ------------------------------------------------------------------ arrays and lists

@pytest.mark.parametrize("src,expected", [
    ("int[] a = new int[10]; a[-1] = 3; a[-1]", 3),
    ("int[] a = new int[3]; a[-3] = 3; a[0]", 3),
    ("def a = new String[2]; a[0]", None),
    ("def a = new Decimal[2]; a[0]", None),
    ("byte[] b = 'abc'; b", [97, 98, 99]),
    ("String s = [97,98,99] as byte[]; s", "abc"),
    ("int[] a = (int[])[1,2,3]; a instanceof int[] && a.sum() == 6", True),
    ("long[] x = [1L,2D,3.0]; (int[])x", [1, 2, 3]),
])
def test_arrays(src, expected):
    assert both(src) == expected


@pytest.mark.parametrize("src,err", [
    ("int[] a = new int[0]; a[-1] = 1", "array index out of bounds"),
    ("def x = [1,2,3]; x[-4]", "out of range"),
    ("int[][] a = [1,[2],3]", "cannot cast"),
    ("int[][] a = new int[10][]; a = [[1L,'2D',3.0]]", "incompatible types"),
    ("long[] s = new long[1]; s['a'] += 1", "index must be numeric"),
])
def test_array_errors(src, err):
    with pytest.raises(JactlError) as ei:
        ev(src)
    assert err in str(ei.value).lower()


def test_index_access_helpers():
    a = JArray("int", [1, 2, 3])
    assert access.index(a, -1) == 3
    with pytest.raises(JactlRuntimeError):
        access.index(a, -4)
    with pytest.raises(JactlRuntimeError, match="out of range"):
        access.index([1], -2)
    assert isinstance(access.field({"a": 1}, "size"), BoundMethod)
    assert access.field({"size": 5}, "size") == 5
    with pytest.raises(JactlRuntimeError, match="No matching method"):
        access.field("abc", "abs")
    with pytest.raises(JactlRuntimeError, match="Invalid object type"):
        access.field("abc", "x")
    with pytest.raises(JactlRuntimeError, match="Invalid parent object type"):
        access.field(1, "x")


# ------------------------------------------------------------------ dynamic calls

@pytest.mark.parametrize("src,expected", [
    ("def f(int a){ a }; def g = f; g(1.5)", 1),
    ("def h = { long x -> x }; h(2).className()", "long"),
    ("def f(int a, long b) { a + b }; def g = f; [[1,2],[1D,2]].map{ a,b -> g(a,b) }.sum()", Long(6)),
    ("[1.5].map{ int x -> x }", [1]),
    ("def f = { int x, int y -> x + y }; f([1,2])", 3),
    ("def f = { int x = 3, int y = 4 -> x + y }; def a = [1,2]; f(a)", 3),
    ("def f = { -> 3 }; f([])", 3),
    ("def f = { List x, int y = 4 -> x + y }; f([[1,2],3])", [[1, 2], 3, 4]),
    ("sleep(timeMs:1, data:2)", 2),
])
def test_dynamic_calls(src, expected):
    r = both(src)
    assert r == expected and type(r) is type(expected)


@pytest.mark.parametrize("src,err", [
    ("def f = {x, int y -> y }; def g = f; g(1, [])", "cannot be cast to int"),
    ("def f = {x, int y -> y }; def g = f; g(1, null)", "cannot convert null value to int"),
    ("def f(x) { x + x }; def g = f; g()", "missing mandatory arguments"),
    ("def f = { x,y,z -> x + y + z }; def a = [y:3]; f(a)", "missing mandatory arguments"),
    ("sleep('abc')", "cannot be cast to number"),
    ("die", "script death"),
])
def test_dynamic_call_errors(src, err):
    with pytest.raises(JactlError) as ei:
        ev(src)
    assert err in str(ei.value).lower()


def test_stream_builtin():
    class RT:
        lines = ["a", "b"]

        def next_line(self):
            return self.lines.pop(0) if self.lines else None
    rt = RT()
    assert calls.bcall(rt, "stream", (BoundMethod(rt, "nextLine", is_function=True),)) \
        == ["a", "b"]
    with pytest.raises(NullError):
        calls.bcall(rt, "stream", (None,))


def test_byte_index_is_unsigned():
    assert access.index([0] * 300, Byte(255)) == 0
