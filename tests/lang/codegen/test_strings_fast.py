"""String fast paths (codegen/strdec.py, dynamic.py, runtime/fastcalls.py): String
comparisons, String indexing, ``toLowerCase``/``toUpperCase`` inline, two-argument builtin
methods (``_meth2``) and for-in loops over a list in functions that cannot suspend give
what the general path gives — values, Jactl types, errors — plain and in
checkpoint-each-statement mode, as do toJson through the C encoder, String ``in``, switch type patterns, ``x <<= v`` statements, int ``+ - *`` trees (one range check), sprintf with a literal format, Decimal literals
(built once per script) and Decimal ``==``. Expected results were produced by the general
path (before these fast paths existed), except the ``m.x += f()`` cases: there f was
called twice, now once."""

import pytest

from fastpath_cases import check_case, py_source as _py



CASES = [
    ("String a = 'abc'; String b = 'abd'; [a < b, a <= b, a > b, a >= b, a == b, a != b]", 'ok', '[True, True, False, False, False, True]', 'list'),
    ("String a = '\\uE000'; String b = '\\uD83D\\uDE00'; [a < b, a > b, a <= b, a >= b]", 'ok', '[False, True, False, True]', 'list'),
    ("String a = '\\uE000'; def b = '\\uD83D\\uDE00'; [a < b, b > a]", 'ok', '[False, False]', 'list'),
    ("String a = 'ab'; [a < 'abc', a >= 'ab', 'b' > a, a == 'ab']", 'ok', '[True, True, True, True]', 'list'),
    ("String a = null; String b = 'x'; a < b", 'ok', 'True', 'bool'),
    ("String a = null; String b = 'x'; [a == b, a != b, b == a]", 'ok', '[False, True, False]', 'list'),
    ("String a = null; a >= '0'", 'ok', 'False', 'bool'),
    ("def x = 5; String b = 'x'; [x == b, b != x]", 'ok', '[False, True]', 'list'),
    ("def x = 5; x >= '0'", 'err', 'JactlRuntimeError', 'Cannot compare objects of type int and String (type String cannot be compared to int)'),
    ("def x = 'a'; [x >= '0' && x <= 'z', x < 'b', 'a' <= x]", 'ok', '[True, True, True]', 'list'),
    ("def x = '\\uD83D\\uDE00'; [x > 'z', x < '\\uE000']", 'ok', '[True, True]', 'list'),
    ("String s = 'hello'; [s[0], s[4], s[-1]]", 'ok', "['h', 'o', 'o']", 'list'),
    ("String s = 'hello'; s[5]", 'err', 'JactlRuntimeError', 'Index out of bounds: String index out of range: 5'),
    ('String s = null; s[0]', 'err', 'NullError', 'Null parent object for index access'),
    ("String s = 'h\\uD83D\\uDE00i'; [s[1], s.size()]", 'ok', "['\\ud83d', 4]", 'list'),
    ("def s = 'hello'; s.substring(1,3)", 'ok', "'el'", 'str'),
    ("String s = 'hello'; [s.substring(1,3), s.substring(2)]", 'ok', "['el', 'llo']", 'list'),
    ("def s = 'hello'; s.substring(1,9)", 'err', 'JactlRuntimeError', 'Index out of bounds: java.lang.StringIndexOutOfBoundsException: String index out of range: begin 1, end 9, length 5'),
    ("def s = 'hello'; s.substring(1L,3)", 'ok', "'el'", 'str'),
    ("def s = 'hello'; s.substring('1',3)", 'err', 'JactlRuntimeError', 'Index out of bounds: java.lang.StringIndexOutOfBoundsException: String index out of range: begin 49, end 3, length 5'),
    ('def s = null; s.substring(1,3)', 'err', 'NullError', 'Tried to invoke method on null value'),
    ('def m = [substring: { a, b -> a + b }]; m.substring(1, 2)', 'ok', '3', 'int'),
    ("def s = 'HeLLo'; [s.toLowerCase(), s.toUpperCase()]", 'ok', "['hello', 'HELLO']", 'list'),
    ("def s = 'HeLLo' * 30; [s.toLowerCase().size(), s.toUpperCase()[0]]", 'ok', "[150, 'H']", 'list'),
    ("def s = 'stra\\u00DFe'; s.toUpperCase()", 'ok', "'STRASSE'", 'str'),
    ('def s = null; s.toLowerCase()', 'err', 'NullError', 'Tried to invoke method on null value'),
    ('def s = 5; s.toLowerCase()', 'err', 'JactlRuntimeError', "No such method 'toLowerCase' for type int"),
    ("def m = [toLowerCase: { -> 'm' }]; m.toLowerCase()", 'ok', "'m'", 'str'),
    ('def l = [1,2]; l.toUpperCase()', 'err', 'JactlRuntimeError', "No such method 'toUpperCase' for type List"),
    ('int t = 0; for (x in [1,2,3]) { t += x; if (x == 2) break }; t', 'ok', '3', 'int'),
    ('def l = [1,2,3]; int t = 0; for (x in l) { if (t == 0) l <<= 4; t += x }; t', 'ok', '10', 'int'),
    ('int t = 0; outer: for (x in [1,2,3]) { for (y in [1,2]) { if (y == 2) continue outer; t += x*y } }; t', 'ok', '6', 'int'),
    ('int t = 0; outer: for (x in [1,2,3]) { for (y in [1,2]) { if (x == 2) break outer; t += x*y } }; t', 'ok', '3', 'int'),
    ("String r = ''; for (String x in ['a','b']) { r += x }; r", 'ok', "'ab'", 'str'),
    # a typed for-each header is a pattern: elements of other types are skipped (Jactl)
    ("String r = ''; for (String x in ['a', 1]) { r += x }; r", 'ok', "'a'", 'str'),
    ('int t = 0; for (x in null) { t++ }; t', 'err', 'NullError', 'Tried to iterate over null object'),
    ('def t = 0; for (e in [a:1,b:2]) { t += e[1] }; t', 'ok', '3', 'int'),
    ("def t = ''; for (c in 'abc') { t = c + t }; t", 'ok', "'cba'", 'str'),
    ('def fs = []; for (x in [1,2,3]) { fs <<= { -> x } }; fs.map{ it() }', 'ok', '[3, 3, 3]', 'list'),
    ('def t = 0; for (x in [1,2,3]) { t += x; continue; t += 100 }; t', 'ok', '6', 'int'),
    ('def f(l) { def r = []; for (x in l) { r <<= x * 2 }; r }; f([1,2])', 'ok', '[2, 4]', 'list'),
    ('def f(l) { def r = []; for (x in l) { r <<= sleep(0, x) }; r }; f([1,2])', 'ok', '[1, 2]', 'list'),
    # (an int element is not a long: a typed header skips it, as a switch pattern would)
    ('long s = 0; for (long x in [1, 2L, 3]) { s += x }; s', 'ok', '2L', 'Long'),
    ('Decimal a = 1.0; Decimal b = 1.00; [a == b, a != b, a == 1, 1 == a, a != 2]', 'ok', '[True, False, True, True, True]', 'list'),
    ('Decimal a = 1.5; def b = 1.5D; [a == b, b == a]', 'ok', '[True, True]', 'list'),
    ("Decimal a = 1.5; def b = 1.5; def c = '1.5'; [a == b, a == c, a != c]", 'ok', '[True, False, True]', 'list'),
    ('Decimal a = null; Decimal b = 1.0; [a == b, a != b, b == a]', 'ok', '[False, True, False]', 'list'),
    ('Decimal a = 0.1; double d = 0.1; [a == d]', 'ok', '[True]', 'list'),
    ('Decimal t = 0; for (int i = 0; i < 10; i++) { t += 0.1 }; [t, t == 1, t == 1.0]', 'ok', "[Decimal('1.0'), True, True]", 'list'),
    ('def l = []; for (int i = 0; i < 2; i++) { l <<= 0.05 }; [l[0] === l[1], l[0] == l[1], l]', 'ok', "[True, True, [Decimal('0.05'), Decimal('0.05')]]", 'list'),
    ('Decimal x = 1.5; x * 0.0 == 0', 'ok', 'True', 'bool'),
    ('Decimal x = -1.5; [x * 0.0, -0.0 * x]', 'ok', "[Decimal('0.00'), Decimal('0.00')]", 'list'),
    ('Decimal a = 2; long b = 2L; [a == b, a < b]', 'ok', '[True, False]', 'list'),
    ('def m = [a:1]; def c = 0; def f() { c++; 5 }; m.a += f(); [m, c]', 'ok', "[{'a': 6}, 1]", 'list'),
    ('def m = [a:[1]]; def c = 0; def f() { c++; sleep(0, 5) }; m.a += f(); m.b += f(); [m, c]', 'ok', "[{'a': [1, 5], 'b': 5}, 2]", 'list'),
    ('def l = [1,2]; def c = 0; def f() { c++; 5 }; l[0] -= f(); l[3] += f(); [l, c]', 'ok', '[[-4, 2, None, 5], 2]', 'list'),
    ('class X { int i = 1 }; X x = new X(); def c = 0; def f() { c++; 5 }; x.i += f(); [x.i, c]', 'ok', '[6, 1]', 'list'),
    ("def m = [s:'a']; def c = 0; def f() { c++; 'b' }; def r = (m.s += f()); [r, m, c]", 'ok', "['ab', {'s': 'ab'}, 1]", 'list'),
    ("int i = 5; String s = 'ab'; sprintf('|%5d|%-4s|%05d|%s|%%', i, s, 42, 7)", 'ok', "'|    5|ab  |00042|7|%'", 'str'),
    ("long l = 5L; def d = 'x'; sprintf('%d-%s', l, d)", 'ok', "'5-x'", 'str'),
    ("String s = null; sprintf('%s!', s)", 'ok', "'null!'", 'str'),
    ("def d = 1.5; sprintf('%d', d)", 'err', 'JactlRuntimeError', 'Bad format string: d != java.math.BigDecimal'),
    ("def d = 1.5; sprintf('%s', d)", 'ok', "'1.5'", 'str'),
    ("sprintf('%d %d', 1)", 'err', 'JactlRuntimeError', "Bad format string: Format specifier '%d'"),
    ("sprintf('%d', 1, 2, 3)", 'ok', "'1'", 'str'),
    ("def c = 0; def f() { c++; 'x' }; [sprintf('%s', 1, f()), c]", 'ok', "['1', 1]", 'list'),
    ("String s = 'x' * 5000; sprintf('%s', s).size()", 'ok', '5000', 'int'),
    ("sprintf('%5s|', 'a\\uD83D\\uDE00')", 'ok', "'  a\\ud83d\\ude00|'", 'str'),
    ("def b = true; sprintf('%s', b)", 'ok', "'true'", 'str'),
    ("sprintf('%s %d', [1,2], 3)", 'ok', "'[1, 2] 3'", 'str'),
    ("def m = [a:1]; sprintf('%s', m)", 'ok', "'[a:1]'", 'str'),
    ("def f(x) { sprintf('%s=%d', x, sleep(0, 4)) }; f('k')", 'ok', "'k=4'", 'str'),
    ('int a = 2147483647; int b = 2; [a * b + 5, a + 1 - 1, a * a * a - a, (a + a) / 2, (a + a) % 7, -(a + 1) * 3]', 'ok', '[3, 2147483647, 0, -1, 5, -2147483648]', 'list'),
    ('int a = -2147483647 - 1; int b = 3; [a - 1 + b, a * b * b, a * -1 + 0, (a - 1) / 2]', 'ok', '[-2147483646, -2147483648, -2147483648, 1073741823]', 'list'),
    ('int i = 100000; int j = 77777; [i * j + i * 3 - j, (i * j) % 1000]', 'ok', '[-812012369, 408]', 'list'),
    ('int a = 5; def b = 7; [a * 2 + b, a * b + 1]', 'ok', '[17, 36]', 'list'),
    ('int a = 5; long b = 7; a * 2 + b', 'ok', '17L', 'Long'),
    ('int a = 2147483647; double b = 1.0; a * 2 + b', 'ok', '-1.0', 'float'),
    ('int x = 1; def f() { x = 1000000; 3 }; int y = 2147483; y * 1000 + f() + x', 'ok', '-2146484293', 'int'),
    ('def x = [1]; x <<= 2; x <<= [3]; x', 'ok', '[1, 2, [3]]', 'list'),
    ('List x = [1]; x <<= 2; x', 'ok', '[1, 2]', 'list'),
    ('def x; x <<= 2; x', 'err', 'NullError', "Null operand for left-hand side of '<<'"),
    ('List x = null; x <<= 2; x', 'err', 'NullError', "Null operand for left-hand side of '<<'"),
    ("def x = 'ab'; x <<= 2; x", 'err', 'JactlRuntimeError', "Left-hand side of '<<' must be int, byte, or long (not String)"),
    ('def x = [a:1]; x <<= [b:2]; x', 'err', 'JactlRuntimeError', "Left-hand side of '<<' must be int, byte, or long (not Map)"),
    ('def x = 5; x <<= 2; x', 'ok', '20', 'int'),
    ('def x = [1]; def y = x; x <<= (x = [9]); [x, y]', 'ok', '[[9, [...]], [1]]', 'list'),
    ('def x = [1]; def f = { x <<= it }; f(2); f(3); x', 'ok', '[1, 2, 3]', 'list'),
    ('def f(l) { l <<= sleep(0, 7); l }; f([1])', 'ok', '[1, 7]', 'list'),
    ('List x = [1]; def y = (x <<= 2); [x, y]', 'ok', '[[1, 2], [1, 2]]', 'list'),
    ("def d(x) { switch (x) { 0, 1 -> 'tiny'; int -> 'int'; long -> 'long'; byte -> 'byte'; double -> 'dbl'; Decimal -> 'dec'; boolean -> 'bool'; String -> 'str'; [int a, String b] -> 'is' + a + b; [_, _] -> 'pair'; List -> 'list'; Map -> 'map'; default -> 'other' } }; [0, 7, 7L, (byte)3, 1.5D, 1.5, true, 'x', [1, 'y'], [1, 2], [1], [a:1], null, new int[2], [1, 2] as int[]].map{ d(it) }", 'ok', "['tiny', 'int', 'long', 'byte', 'dbl', 'dec', 'bool', 'str', 'is1y', 'pair', 'list', 'map', 'other', 'pair', 'pair']", 'list'),
    ("def f(x) { switch (x) { [int a, int b] -> a + b; List l -> l.size(); default -> -1 } }; [f([1,2]), f([1,2,3]), f('x'), f(new int[3])]", 'ok', '[3, 3, -1, -1]', 'list'),
    ("def f(x) { switch (x) { [int a, *] -> sleep(0, a); int i -> sleep(0, i * 2); default -> 0 } }; [f([5, 6]), f(4), f('x')]", 'ok', '[5, 8, 0]', 'list'),
    ("String c = '+'; [c in '+-*', c !in '+-*', 'x' in '+-*']", 'ok', '[True, False, False]', 'list'),
    ("def c = '+'; [c in '+-*', c !in '+-*']", 'ok', '[True, False]', 'list'),
    ("def c = 1; c in '+-*'", 'err', 'JactlRuntimeError', "Expecting String for left-hand side of 'in' when right-hand side is String (was int)"),
    ("String c = null; c in '+-*'", 'err', 'JactlRuntimeError', "Expecting String for left-hand side of 'in' when right-hand side is String (was null)"),
    ("String c = 'a'; Map m = [a:1]; [c in m, c !in m, 'b' in m]", 'ok', '[True, False, False]', 'list'),
    ("String c = 'a'; Map m = null; c in m", 'ok', 'False', 'bool'),
    ('def c = 1; Map m = [(1):2]; c in m', 'ok', 'True', 'bool'),
    ("String c = 'ab'; String t = 'xaby'; [c in t, t in c]", 'ok', '[True, False]', 'list'),
    ("String c = 'ab'; String t = null; c in t", 'ok', 'False', 'bool'),
    ('[a:1, b:\'x"y\\\\z\', c:[1,2L,true,null,(byte)3], d:[:], e:[]].toJson()', 'ok', '\'{"a":1,"b":"x\\\\"y\\\\\\\\z","c":[1,2,true,null,3],"d":{},"e":[]}\'', 'str'),
    ("[a:1.5, b:2.0D, c:12345678.5, d:'\\u00e9\\u001f\\u007f', e:'\\n\\t\\b\\f\\r'].toJson()", 'ok', '\'{"a":1.5,"b":2.0,"c":12345678.5,"d":"\\\\u00E9\\\\u001F\\x7f","e":"\\\\n\\\\t\\\\b\\\\f\\\\r"}\'', 'str'),
    ('[(1):2, (true):3].toJson()', 'ok', '\'{"1":3}\'', 'str'),
    ('def x = [1]; def l = [x, x, [x]]; l.toJson()', 'ok', "'[[1],[1],[[1]]]'", 'str'),
    ('def m = [a:1]; m.self = m; m.toJson()', 'err', 'JactlRuntimeError', 'StackOverflowError: self-referential data structure in toJson()'),
    ("def l = []; 2000.each{ l <<= 'abcdefghij' * 5 }; l.toJson().size()", 'ok', '106001', 'int'),
    ('def l = [1]; 20.each{ l = [l, l] }; l.toJson().size()', 'ok', '6291453', 'int'),
    ("class P { int x = 1; String s = 'a' }; [p: new P()].toJson()", 'ok', '\'{"p":{"x":1,"s":"a"}}\'', 'str'),
    ('def d = [1]; 100.each{ d = [d] }; d.toJson().size()', 'ok', '203', 'int'),
    ('[new int[3], new String[2], [1,2] as long[]].toJson()', 'ok', "'[[0,0,0],[null,null],[1,2]]'", 'str'),
    ("'abc'.toJson()", 'ok', '\'"abc"\'', 'str'),
    ('null.toJson()', 'err', 'NullError', 'Tried to invoke method on null value'),
    ("[a:[b:[c:'d\\u2028']]].toJson()", 'ok', '\'{"a":{"b":{"c":"d\\\\u2028"}}}\'', 'str'),
    ('[x: { -> 1 }].toJson()', 'err', 'JactlRuntimeError', 'Cannot convert object of type Function to JSON'),
    ("int sum; for (i in 'abc'); sum", 'ok', '0', 'int'),
    ('class Y{}; class X extends Y { int i; int j }; def list = [new X(1,2), new Y(), new X(5,6)]; int cnt; for (Y in list) { cnt++ }; cnt', 'ok', '3', 'int'),
    ('def s = 0; for ([a, b] in [[1, 2], [3, 4]]) { s += a * b }; s', 'ok', '14', 'int'),
]


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("case", CASES, ids=[c[0][:60] for c in CASES])
def test_string_fast_path(case, cpe):
    check_case(case, cpe)


@pytest.mark.parametrize("src, text", [
    ("String a = 'x'; String b = 'y'; a < b", ".isascii()"),
    ("def x = 'a'; x >= '0'", ">= '0' if"),
    ("String s = 'ab'; int i = 1; s[i]", "is str) & (0 <="),
    ("def s = 'ab'; s.toLowerCase()", ".lower() if type("),
    ("def s = 'ab'; s.substring(0, 1)", "_meth2("),
    ("def f(l) { int t = 0; for (x in l) { t += x }; t }; f([1])", " in _t"),
])
def test_fast_path_is_taken(src, text):
    # (a fast path that silently stops being generated would still pass the table above)
    assert text in _py(src)


def test_for_in_keeps_index_loop_when_suspending():
    src = "def f(l) { def r = []; for (x in l) { r <<= sleep(0, x) }; r }; f([1,2])"
    resumable, first_entry = _py(src).split("def _f1_r")[1].split("def _f1(")
    assert "_iter_list" in resumable and "for _t" not in resumable
    # the first-entry copy steps the same index with enumerate (codegen/dynamic.py)
    assert "in enumerate(_t" in first_entry


@pytest.mark.parametrize("src, text", [
    ("def f(x) { sprintf('%s=%d', x, 4) }; f('k')", "% ("),
    ("Decimal t = 0; for (int i = 0; i < 3; i++) { t += 0.1 }; t", "= _Dec('0.1')\n"),
    ("Decimal a = 1.0; Decimal b = 2; a == b", "return (v_a == v_b)"),
])
def test_more_fast_paths_are_taken(src, text):
    assert text in _py(src)


def test_int_tree_wraps_once():
    py = _py("int i = 1; int j = 2; i * 7 + j * 13 - i")
    assert "(((v_i * 7) + (v_j * 13)) - v_i)" in py and py.count("_w32") == 1


def test_to_json_plain_values_take_the_c_encoder():
    from lang.runtime import jsonfmt
    assert jsonfmt._plain({"a": [1, "x", None, True], "b": {}})
    for v in ({"a": 1.5}, {1: 2}, ["\u00e9"], ["\x1f"], [[1]] * 5000):
        assert not jsonfmt._plain(v)
    deep = [1]
    for _ in range(100):
        deep = [deep]
    assert not jsonfmt._plain(deep)
