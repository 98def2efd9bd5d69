"""String building, map counters and regex captures on fast paths (codegen/strdec.py,
dynamic.py, runtime/methods.py ``join_list``, access.py ``index_or_null``): interpolation
as one %-format, ``s += v`` as an in-place statement, ``m[k] ?: d`` without a closure,
``join``/``split``/``substring`` inline, ``s as int``, ``$n``, ``op=``/``++`` on map
entries and switches of literals as one if/elif chain give what the general path gives — values, Jactl types, errors — plain and in
checkpoint-each-statement mode. Expected results were produced by the general path
(before these fast paths existed)."""

import pytest

import lang
from fastpath_cases import check_case, py_source as _py

CASES = [
    ('def x = 3; def y = "z"; "a${x}b${y}c${null}d${1.5}e${true}f${[1,2]}g${1L}h%s%%i${(byte)7}"', 'ok', "'a3bzcnulld1.5etruef[1, 2]g1h%s%%i7'", 'str'),
    ('int i = -5; String s = null; "${i}|${s}|${i * 2}"', 'ok', "'-5|null|-10'", 'str'),
    ('def m = [a:1]; "${m}${m.a}${m.b}"', 'ok', "'[a:1]1null'", 'str'),
    ('def s = \'x\' * 3000; def t = "${s}${s}"; t.size()', 'ok', '6000', 'int'),
    ('def f(x) { "<${sleep(0, x)}|${x}>" }; f(4)', 'ok', "'<4|4>'", 'str'),
    ('def x = 1; "${x++}${x}${x += 10}${x}"', 'ok', "'121212'", 'str'),
    ('"${"a%b"}%${"%s"}"', 'ok', "'a%b%%s'", 'str'),
    ('String s = "a"; s += "b"; s += 1 > 0 ? "c" : "d"; String t = null; s += t; s += 5; s', 'ok', "'abcnull5'", 'str'),
    ('String s = null; s += "x"; s', 'err', 'NullError', "Null operand for left-hand side of '+'"),
    ('String s = "ab"; s += s * 3; s', 'ok', "'abababab'", 'str'),
    ('String s = "a"; String t = "b"; s += (t = "c"); s + t', 'ok', "'acc'", 'str'),
    ('String s = "x"; for (int i = 0; i < 13; i++) { s += s }; s.size()', 'ok', '8192', 'int'),
    ('String s = "x" * 4000; s += "y" * 200; s.size()', 'ok', '4200', 'int'),
    ('String s = ""; def f(x) { s += sleep(0, x); s }; f("a"); f("b")', 'ok', "'ab'", 'str'),
    ('def f() { String s = "q"; s += sleep(0, "r"); s += "t"; s }; f()', 'ok', "'qrt'", 'str'),
    ('String s = "a"; def c = { s += "b" }; c(); s += "c"; c(); s', 'ok', "'abcb'", 'str'),
    ('String s = "a"; def r = (s += "b"); [r, s]', 'ok', "['ab', 'ab']", 'list'),
    ("String s = 'a'; s += ' ' + '*' * 3; s += '*' * -1", 'err', 'JactlRuntimeError', 'String repeat count must be >= 0'),
    ('def m = [a:1]; m.b ?: 5', 'ok', '5', 'int'),
    ('def m = null; m.b ?: 5', 'ok', '5', 'int'),
    ('def m = null; m["b"] ?: 5', 'ok', '5', 'int'),
    ('def m = [1,2]; m[1] ?: 5', 'ok', '2', 'int'),
    ('def m = [1,2]; m[5] ?: 5', 'ok', '5', 'int'),
    ('def m = [a:null]; def k = "a"; m[k] ?: 7', 'ok', '7', 'int'),
    ('def l = null; def k = 1; l[k] ?: 7', 'ok', '7', 'int'),
    ('def s = "abc"; def k = 1; s[k] ?: 7', 'ok', "'b'", 'str'),
    ('def s = "abc"; def k = 9; s[k] ?: 7', 'err', 'JactlRuntimeError', 'Index out of bounds: String index out of range: 9'),
    ('def m = [a:1]; def k = null; m[k] ?: 3', 'ok', '3', 'int'),
    ('def l = [1]; def k = "x"; l[k] ?: 3', 'err', 'JactlRuntimeError', 'Non-numeric value for index: index must be numeric, not String'),
    ('Map m = [:]; String k = "w"; m[k] = (m[k] ?: 0) + 1; m[k] = (m[k] ?: 0) + 1; m', 'ok', "{'w': 2}", 'dict'),
    ('def m = [:]; m.a += 1; m.b += "x"; m.c += [1]; m.d++; m.e--; m["f"] += 2; m.g <<= 3; [m, m.a++, ++m.a]', 'ok', "[{'a': 3, 'b': 'x', 'c': [1], 'd': 1, 'e': -1, 'f': 2, 'g': 0}, 1, 3]", 'list'),
    ('def m = [a:null]; m.a += 2; m', 'ok', "{'a': 2}", 'dict'),
    ('def m = null; m.a += 1; m', 'ok', "{'a': 1}", 'dict'),
    ('["a","b"].join(",")', 'ok', "'a,b'", 'str'),
    ('["a",1,null,[1,2],[a:1]].join(",")', 'ok', "'a,1,null,[1, 2],[a:1]'", 'str'),
    ('[].join(",")', 'ok', "''", 'str'),
    ('["a"].join(null)', 'ok', "'a'", 'str'),
    ('["a", "b"].join(1)', 'err', 'JactlRuntimeError', 'Cannot convert argument of type int to parameter type of String'),
    ('def x = ["a","b"]; x.join()', 'ok', "'ab'", 'str'),
    ('def x = [a:1]; x.join(",")', 'ok', '"[\'a\', 1]"', 'str'),
    ('"abc".join("-")', 'ok', "'a-b-c'", 'str'),
    ('def l = ["x" * 3000, "y" * 3000]; l.join("").size()', 'ok', '6000', 'int'),
    ('def l = []; for (int i = 0; i < 20; i++) { l <<= "ab" }; l.join(", ").size()', 'ok', '78', 'int'),
    ('def l = []; for (int i = 0; i < 20; i++) { l <<= i }; l.join("")', 'ok', "'012345678910111213141516171819'", 'str'),
    ('def l = ["a", "b"]; l.join(sleep(0, "+"))', 'ok', "'a+b'", 'str'),
    ('"a b  c".split(" ")', 'ok', "['a', 'b', '', 'c']", 'list'),
    ('"a,b,,".split(",")', 'ok', "['a', 'b', '', '']", 'list'),
    ('",a".split(",")', 'ok', "['', 'a']", 'list'),
    ('def s = null; s.split(" ")', 'err', 'NullError', 'Tried to invoke method on null value'),
    ('"x".split("")', 'ok', "['x']", 'list'),
    ('"a.b".split(".")', 'ok', "['', '', '', '']", 'list'),
    ('"aXbxc".split("x", "i")', 'ok', "['a', 'b', 'c']", 'list'),
    ("def s = 'w ' * 40; s.split(' ').size()", 'ok', '41', 'int'),
    ('def s = "hello"; s.substring(1,3) + s.substring(2)', 'ok', "'elllo'", 'str'),
    ('def s = "hello"; s.substring(3,1)', 'err', 'JactlRuntimeError', 'Index out of bounds: java.lang.StringIndexOutOfBoundsException: String index out of range: begin 3, end 1, length 5'),
    ('def s = "hello"; s.substring(-2)', 'ok', "'lo'", 'str'),
    ('def s = "hello"; s.substring(1L, 2)', 'ok', "'e'", 'str'),
    ('def s = "hello"; s.substring(5)', 'ok', "''", 'str'),
    ('def s = "hello"; s.substring(6)', 'err', 'JactlRuntimeError', 'Index out of bounds: java.lang.StringIndexOutOfBoundsException: String index out of range: 6'),
    ('def m = [substring: { a -> a * 2 }]; m.substring(4)', 'ok', '8', 'int'),
    ('"a1b" =~ /(\\d)/; $1 as int', 'ok', '1', 'int'),
    ('"12345678901" as int', 'err', 'JactlRuntimeError', "String value is not a valid int: '12345678901'"),
    ('" 12" as int', 'err', 'JactlRuntimeError', "String value is not a valid int: ' 12'"),
    ('"-42" as int', 'ok', '-42', 'int'),
    ('"007" as int', 'ok', '7', 'int'),
    ('def x = null; x as int', 'err', 'NullError', 'Null value cannot be coerced to int'),
    ('"\\u0661" as int', 'err', 'JactlRuntimeError', "String value is not a valid int: '١'"),
    ('"999999999" as int', 'ok', '999999999', 'int'),
    ('"3.5" as int', 'err', 'JactlRuntimeError', "String value is not a valid int: '3.5'"),
    ('"ab" =~ /(a)(b)?(c)?/; [$0, $1, $2, $3, $4]', 'ok', "['ab', 'a', 'b', None, None]", 'list'),
    ('def x = "q"; x =~ /z/; $1', 'ok', 'None', 'NoneType'),
    ('def m = [a:[b:1]]; [m.a ?: 2, m.z ?: 3, m.a.b ?: 4, m.a.z ?: 5, m.z.b ?: 6]', 'ok', "[{'b': 1}, 3, 1, 5, 6]", 'list'),
    ('def m = null; m.x ?: 9', 'ok', '9', 'int'),
    ('def m = [size: null]; m.size ?: 1', 'ok', '1', 'int'),
    ('def m = [:]; m.size ?: 1', 'ok', '<method size>', 'BoundMethod'),
    ('def m = [a:1]; (m.size ?: 1) instanceof String', 'ok', 'False', 'bool'),
    ('def l = [1,2]; l.size ?: 5', 'ok', '<method size>', 'BoundMethod'),
    ('def x = 5; x.y ?: 3', 'err', 'JactlRuntimeError', 'Invalid parent object type (int): expected Map'),
    ('class C { int v = 1 }; def c = new C(); [c.v ?: 2, c.w ?: 3]', 'err', 'JactlRuntimeError', "No such field 'w' for object of type C"),
    ('class C { int v = 1 }; C c = null; c.v ?: 7', 'ok', '7', 'int'),
    ('def m = [a:1]; def x; x ?= m.a; def y = 4; y ?= m.q; def z = 5; z ?= m.q.r; [x, y, z]', 'ok', '[1, 4, 5]', 'list'),
    ('def m = [a:1]; def k = "a"; def x; x ?= m[k]; def n = null; def y = 3; y ?= n[k]; [x, y]', 'ok', '[1, 3]', 'list'),
    ('Map m = [a:1]; m.a ?: 0', 'ok', '1', 'int'),
    ("def f(x) { switch (x) { 'a' -> 1; 'b', 'c' -> 2; 3 -> 'three'; default -> 0 } }; [f('a'), f('b'), f('c'), f(3), f(3L), f(null), f('z')]", 'ok', "[1, 2, 2, 'three', 0, 0, 0]", 'list'),
    ("def f(x) { switch (x) { 1 -> 'one'; 2 -> { def y = x * 10; y + 1 } } }; [f(1), f(2), f(3)]", 'ok', "['one', 21, None]", 'list'),
    ("def r = []; for (x in ['a', 'b', 'q']) { switch (x) { 'a' -> r <<= 1; 'b' -> { r <<= 2; continue } }; r <<= 0 }; r", 'ok', '[1, 0, 2, 0]', 'list'),
    ("def f(x) { switch (x) { 'a' -> sleep(0, 'A'); default -> sleep(0, 'D') } }; [f('a'), f('b')]", 'ok', "['A', 'D']", 'list'),
    ("int i = 2; switch (i) { 1 -> 'x'; 2 -> 'y' }", 'ok', "'y'", 'str'),
    ("def x = 'k'; switch (x) { default -> 'only' }", 'ok', "'only'", 'str'),
    ("def x = 'k'; switch (x) { 'a' -> 'A' }", 'ok', 'None', 'NoneType'),
    ("def x = 1.0; switch (x) { 1 -> 'int'; 1.0 -> 'dec'; default -> 'none' }", 'ok', "'dec'", 'str'),
]


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("case", CASES, ids=[c[0][:60] for c in CASES])
def test_string_building_fast_path(case, cpe):
    check_case(case, cpe)


@pytest.mark.parametrize("src, text", [
    ('def x = 1; def y = "a"; "<${x}|${y}>"', "'<%s|%s>' % ("),
    ('String s = "a"; for (int i = 0; i < 3; i++) { s += "b" }; s', "s += "),
    ('def m = [:]; def k = "a"; m[k] = (m[k] ?: 0) + 1', "_index_tol("),
    ('def m = [:]; m.a ?: 0', "_field_tol("),
    ('def l = ["a"]; l.join(",")', "_joinl("),
    ('def s = "a b"; s.split(" ")', ".split(' ')"),
    ('def s = "abc"; s.substring(1, 2)', "[1:2]"),
    ('def s = "12"; s as int', "int(_q"),
    ("def f(x) { switch (x) { 'a' -> 1; 'b' -> 2; default -> 0 } }; f('b')", "elif "),
])
def test_fast_path_is_emitted(src, text):
    assert text in _py(src)


def test_s_plus_equal_that_may_suspend_keeps_the_general_path():
    # (the in-place statement is only for functions that cannot suspend)
    src = 'def f() { String s = "q"; s += sleep(0, "r"); s }; f()'
    assert lang.eval(src, {}) == "qr"
    assert lang.eval(src, {}, checkpoint_each_statement=True) == "qr"


def test_join_of_many_strings_is_measured_before_it_is_built():
    ctx = lang.Context(max_value_bytes=100_000)
    src = 'def l = []; def s = "x" * 1000; for (int i = 0; i < 200; i++) { l <<= s }; l.join(",")'
    with pytest.raises(lang.LimitError):
        ctx.compile(src).start({})


_MIXED = """
def kinds = ['a', 'b', 'c']
def out = []
String acc = ''
def counts = [:]
for (int i = 0; i < 6; i++) {
  def k = kinds[i % 3]
  def v = switch (k) {
    'a' -> sleep(0, i * 10)
    'b' -> { def t = "b$i"; t.size() }
    default -> -1
  }
  String line = "${k}=${v}|${i}"
  acc += line.substring(0, 1)
  if (line =~ /^(\\w)=(-?\\d+)\\|(\\d)$/) { counts[$1] = (counts[$1] ?: 0) + ($2 as int) }
  out <<= line
}
[out.join(','), acc, counts]
"""


@pytest.mark.parametrize("cpe, restore", [(False, False), (False, True), (True, False), (True, True)])
def test_suspending_and_restoring_around_the_fast_paths(cpe, restore):
    from fastpath_cases import run_saving_each_suspension
    # (the general path's result: main before these fast paths)
    expected = ["a=0|0,b=2|1,c=-1|2,a=30|3,b=2|4,c=-1|5", "abcabc", {"a": 30, "b": 4, "c": -2}]
    assert run_saving_each_suspension(_MIXED, cpe=cpe, restore=restore) == expected
    assert lang.eval(_MIXED) == expected
