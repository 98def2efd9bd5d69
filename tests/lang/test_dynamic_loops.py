"""Untyped loops and long values (codegen/dynamic.py ``long_fallback``, counting loops over
``def`` counters): the fast paths give what the general operators give — values, their
Jactl types and errors — in plain and checkpoint-each-statement mode. The expected results
were produced by the general path (before these fast paths existed)."""

import pytest

import lang

from fastpath_cases import check_case

CASES = [
    ('def x = 9223372036854775807L; def i = 1; x + i', 'ok', '-9223372036854775808L', 'Long'),
    ('def x = 9223372036854775807L; def i = 2; x * i', 'ok', '-2L', 'Long'),
    ('def x = -9223372036854775807L; def i = 5; x - i', 'ok', '9223372036854775804L', 'Long'),
    ('def x = 5L; def i = 3; x * i + i', 'ok', '18L', 'Long'),
    ('def x = 5L; def y = 7L; x * y - y', 'ok', '28L', 'Long'),
    ('def x = 2147483647; def y = 1; x + y', 'ok', '-2147483648', 'int'),
    ('def x = 2147483647; def y = 2L; x * y', 'ok', '4294967294L', 'Long'),
    ('def x = -7L; x % 3', 'ok', '2L', 'Long'),
    ('def x = 7L; x % 3 == 1', 'ok', 'True', 'bool'),
    ('def x = 7L; def y = 7; x == y', 'ok', 'True', 'bool'),
    ('def x = 7L; def y = 8; [x < y, x <= y, x > y, x >= y, x != y, y == x]', 'ok', '[True, True, False, False, True, False]', 'list'),
    ('def x = 7L; def y = 7.5; [x < y, x == y, x + y]', 'ok', "[True, False, Decimal('14.5')]", 'list'),
    ("def x = 7L; def y = 'a'; x + y", 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '+': was String"),
    ("def x = 7L; def y = 'a'; x * y", 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '*': was String"),
    ('def x = 7L; def y = null; x + y', 'err', 'NullError', "Null operand for right-hand side of '+'"),
    ('def x = 7L; def y = null; x == y', 'ok', 'False', 'bool'),
    ('def acc = 0L; acc += 5; acc += 2147483647; acc', 'ok', '2147483652L', 'Long'),
    ('def acc = 5L; acc -= 7; acc *= 3; acc', 'ok', '-6L', 'Long'),
    ('def acc = 5L; def b = true; acc + b', 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '+': was boolean"),
    ('def x = 3L; def l = []; for (def i = 0; i < 5; i++) { l <<= x * i }; l', 'ok', '[0L, 3L, 6L, 9L, 12L]', 'list'),
    ('def acc = 0L; def x = 12345L; for (def i = 0; i < 50; i++) { x = (x * 1103515245L + 12345L) % 2147483648L; def d = i % 7; acc = (acc + x * d) % 1000000007L; if (x % 3 == 0) { acc += 1 } }; acc', 'ok', '253260182L', 'Long'),
    ('def c = (10 + 1).collect{ false }; for (def i = 2; i * i <= 10; i++) { if (!c[i]) { for (def j = i * i; j <= 10; j += i) { c[j] = true } } }; def k = 0; for (def i = 2; i <= 10; i++) { if (!c[i]) { k++ } }; k', 'ok', '4', 'int'),
    ('def c = [:]; for (def j = 0; j <= 4; j += 2) { c[j] = j }; c', 'ok', '{0: 0, 2: 2, 4: 4}', 'dict'),
    ('def c = null; for (def j = 0; j <= 4; j += 2) { c[j] = j }; c', 'ok', '[0, None, 2, None, 4]', 'list'),
    ('def c = [1,2]; for (def j = 0; j <= 4; j += 2) { c[j] = j }; c', 'ok', '[0, 2, 2, None, 4]', 'list'),
    ("def c = 'abc'; def s = 0; for (def j = 0; j < 3; j++) { s += c[j].size() }; s", 'ok', '3', 'int'),
    ('def c = [1,2,3]; def s = 0; for (def j = 0; j < 5; j++) { s += c[j] }; s', 'err', 'NullError', "Null operand for right-hand side of '+'"),
    ('def s = 0; for (def j = 0; j < 10; j += 0) { s++; if (s > 5) break }; s', 'ok', '6', 'int'),
    ('def s = 0; def n = 3L; for (def j = 0; j < n; j++) { s += j }; s', 'ok', '3', 'int'),
    # def locals inferred long (resolve/infer.py): only when every value is a long
    ('def x = 1L; x = 5; [x, x.className()]', 'ok', "[5, 'int']", 'list'),
    ('def x = 1L; x = x * 2; x++; [x, x.className()]', 'ok', "[3L, 'long']", 'list'),
    ('def x = 9223372036854775807L; x += 1; x', 'ok', '-9223372036854775808L', 'Long'),
    ('def x = 9223372036854775807L; x++; x', 'ok', '-9223372036854775808L', 'Long'),
    ('def x = 5L; def f = { x = x + 1L }; f(); x', 'ok', '6L', 'Long'),
    ('def x = 5L; x = x + 0.5; x', 'ok', "Decimal('5.5')", 'Decimal'),
    ('def x = 3L; def y = x; y = y * 2; [x, y, y.className()]', 'ok', "[3L, 6L, 'long']", 'list'),
    ('def x = 2L; x = x / 0', 'err', 'JactlRuntimeError', 'Divide by zero'),
    ('def x = 5L; x = null; x', 'ok', 'None', 'NoneType'),
    ('def x = -7L; x %= 3; x', 'ok', '2L', 'Long'),
    ('def x = 5L; x <<= 2; x', 'ok', '20L', 'Long'),
    ('def x = 1L; for (int i = 0; i < 70; i++) { x *= 3 }; x', 'ok', '2293070008301402073L', 'Long'),
    ("def x = 1L; switch (x) { 1L -> 'one'; default -> 'other' }", 'ok', "'one'", 'str'),
    ("def x = 1L; switch (x) { 1 -> 'one'; default -> 'other' }", 'ok', "'other'", 'str'),
    ('def x = 7L; def s = "$x"; x = x * x; s + x', 'ok', "'749'", 'str'),
    ('def x = 7L; x = x - 10; def y = x % 3; [x, y]', 'ok', '[-3L, 0L]', 'list'),
    ('def x = 1L; def i = 2147483647; x = x + i + i; x', 'ok', '4294967295L', 'Long'),
    ('def acc = 0L; for (def i = 0; i < 10; i++) { acc = acc * 31 + i }; def r = acc; r.className()', 'ok', "'long'", 'str'),
    # double tier of the general + - *, methods of instances through untyped receivers,
    # typed closure parameters called as values (fastcalls.call1/call2 convert directly)
    ('def a = 1.5D; def b = 2; [a + b, b + a, a * b, a - b, b - a, a * a, a - a]', 'ok', '[3.5, 3.5, 3.0, -0.5, 0.5, 2.25, 0.0]', 'list'),
    ('def a = 0.1D; def b = 0.2D; a + b', 'ok', '0.30000000000000004', 'float'),
    ('def x = 10.0D; for (int i = 0; i < 400; i++) { x = x * 10 }; [x, -x, x - x]', 'ok', '[inf, -inf, nan]', 'list'),
    ('def a = 1.5D; def b = 2L; [a + b, a * b, b - a]', 'ok', '[3.5, 3.0, 0.5]', 'list'),
    ('def a = 1.5D; def b = 0.5; [a + b, a * b, a - b]', 'ok', "[Decimal('2.0'), Decimal('0.75'), Decimal('1.0')]", 'list'),
    ("def a = 1.5D; def b = 'x'; a + b", 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '+': was String"),
    ('def a = 1.5D; def b = null; a * b', 'err', 'NullError', "Null operand for right-hand side of '*'"),
    ('def a = 1.5D; def b = true; a - b', 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '-': was boolean"),
    ('class A { int x; def f(y) { x + y }; def g() { x } }; def a = new A(2); [a.f(3), a.g()]', 'ok', '[5, 2]', 'list'),
    ('class A { int x; def f(int y) { x + y } }; def a = new A(2); [a.f(3), a.f(3L)]', 'ok', '[5, 5]', 'list'),
    ('class A { int x; def f(y, z = 1) { x + y + z } }; def a = new A(2); [a.f(3), a.f(3, 4)]', 'ok', '[6, 9]', 'list'),
    ('class A { int x; def f(y) { x + y } }; def a = new A(2); a.f()', 'err', 'JactlRuntimeError', 'Missing mandatory arguments (passed 1 but expected at least 2)'),
    ('def f = { long x -> x * 2 }; def g = f; [g(3), g(3).className()]', 'ok', "[6L, 'long']", 'list'),
    ('class P { int x }; class Q extends P { int y }; def f = { P p -> p.x }; [f(new P(4)), f(new Q(6, 1)), f([x:5])]', 'ok', '[4, 6, 5]', 'list'),
    ("class P { int x }; def f = { P p -> p.x }; f('abc')", 'err', 'JactlRuntimeError', 'Cannot convert argument of type String to parameter type of P: Cannot convert from String to P: String cannot be cast to P'),
    ('def f = { long a, Decimal b -> a + b }; def g = f; g(3, 2)', 'ok', "Decimal('5')", 'Decimal'),
    # Strings: == / != by Python's ==, <=> of ASCII Strings inline; const locals as literals
    ("def a = 'abc'; def b = 'abd'; [a == b, a != b, a <=> b, b <=> a, a <=> a, a == 'abc']", 'ok', '[False, True, -1, 1, 0, True]', 'list'),
    ("def a = 'é'; def b = 'z'; [a <=> b, b <=> a, a == b]", 'ok', '[1, -1, False]', 'list'),
    ("def a = '\\uFFFD'; def b = '😀'; [a <=> b, b <=> a, a != b]", 'ok', '[1, -1, True]', 'list'),
    ("def a = 'a'; def b = null; [a == b, a != b, a <=> b, b <=> a]", 'ok', '[False, True, 1, -1]', 'list'),
    ("def a = '1'; def b = 1; [a == b, a != b]", 'ok', '[False, True]', 'list'),
    ("def a = 'x'; def b = ['x']; [a == b, a <=> 'x']", 'ok', '[False, 0]', 'list'),
    ("def xs = [[n:'b', a:2], [n:'a', a:2], [n:'c', a:1]]; xs.sort{ p, q -> p.a != q.a ? p.a <=> q.a : p.n <=> q.n }.map{ it.n }", 'ok', "['c', 'a', 'b']", 'list'),
    ("def a = 'abc'; def b = 3; a <=> b", 'err', 'JactlRuntimeError', 'Cannot compare objects of type String and int'),
    ('const int M = 7; const String S = "ab"; def f = { x -> x % M + S.size() }; [f(10), M, S]', 'ok', "[5, 7, 'ab']", 'list'),
    # ``for (int i = 0; i < a.size(); i++) { def x = a[i] ...``: the condition proves the index
    ('def l = [1,2,3]; int s = 0; for (int i = 0; i < l.size(); i++) { def x = l[i]; s += x }; s', 'ok', '6', 'int'),
    ('List l = [1,2,3]; def out = []; for (int i = 0; i < l.size(); i++) { def x = l[i]; l.remove(0); out <<= x }; out', 'ok', '[1, 3]', 'list'),
    ('def m = [a:1, b:2]; def out = []; for (int i = 0; i < m.size(); i++) { def x = m[i]; out <<= x }; out', 'ok', '[None, None]', 'list'),
    ("def s = 'abc'; def out = []; for (int i = 0; i < s.size(); i++) { def c = s[i]; out <<= c }; out", 'ok', "['a', 'b', 'c']", 'list'),
    ('List l = [1,2]; def t = 0; for (int i = 0; i < l.size(); i++) { def x = l[i]; t += sleep(0, x) }; t', 'ok', '3', 'int'),
    ('List l = [1,2,3]; def t = 0; for (int i = 1; i < l.size(); i++) { int x = l[i]; t += x }; t', 'ok', '5', 'int'),
    ('List l = [4,5]; def x; for (int i = 0; i < l.size(); i++) { x = l[i] }; x', 'ok', '5', 'int'),
    ('def f(List l) { def r = 0; for (int i = 0; i < l.size(); i++) { def g = l[i]; r = g(r) }; r }; f([{ it + 1 }, { sleep(0, it * 10) }])', 'ok', '10', 'int'),
    ("List l = [1, 'a']; def out = []; for (int i = 0; i < l.size(); i++) { int x = l[i]; out <<= x }; out", 'ok', '[1, 97]', 'list'),
    # an untyped operand with a statically int one that is not a plain name (a call)
    ('def f(x) { x }; int g(int y) { y }; f(7) % g(3)', 'ok', '1', 'int'),
    ('def f(x) { x }; int g(int y) { y }; f(7) % g(0)', 'err', 'JactlRuntimeError', 'Divide by zero'),
    ('def f(x) { x }; int g(int y) { y }; f(7L) % g(3)', 'ok', '1L', 'Long'),
    ('def f(x) { x }; int g(int y) { y }; f(7.5) % g(2)', 'ok', "Decimal('1.5')", 'Decimal'),
    ("def f(x) { x }; int g(int y) { y }; f('a') % g(2)", 'err', 'JactlRuntimeError', "Non-numeric operand for left-hand side of '%': was String"),
    ('def f(x) { x }; int g(int y) { y }; f(-7) % g(-3)', 'ok', '-1', 'int'),
    ('def f(x) { x }; int g(int y) { y }; g(7) % f(0)', 'err', 'JactlRuntimeError', 'Divide by zero'),
    ('def f(x) { x }; int g(int y) { y }; f(2147483647) + g(1)', 'ok', '-2147483648', 'int'),
    ('def f(x) { x }; int g(int y) { y }; g(5) * f(3L)', 'ok', '15L', 'Long'),
    ('def f(x) { x }; int g(int y) { y }; g(5) - f(null)', 'err', 'NullError', "Null operand for right-hand side of '-'"),
    ('int g(int y) { y }; g(7) % g(0)', 'err', 'JactlRuntimeError', 'Divide by zero'),
    ('int g(int y) { y }; g(-7) % g(3)', 'ok', '2', 'int'),
    ('def M = 1000003; def adder(k) { return { x -> (x + k) % M } }; adder(5)(2147483647)', 'ok', '522800', 'int'),
    ('def M = 0; def adder(k) { return { x -> (x + k) % M } }; adder(5)(3)', 'err', 'JactlRuntimeError', 'Divide by zero'),
    # ``(x + k) % m`` over variables: one int path, the general code otherwise
    ('def a = 5; def b = 3; def m = 4; (a + b) % m', 'ok', '0', 'int'),
    ('def a = 2147483647; def b = 1; def m = 7; (a + b) % m', 'ok', '5', 'int'),
    ('def a = 5L; def b = 3; (a * b) % 4', 'ok', '3L', 'Long'),
    ('def a = 5.5; def b = 2; (a + b) % 3', 'ok', "Decimal('1.5')", 'Decimal'),
    ('def a = 5; def b = 3; def m = 0; (a + b) % m', 'err', 'JactlRuntimeError', 'Divide by zero'),
    ('def a = 5; def b = null; (a - b) % 3', 'err', 'NullError', "Null operand for right-hand side of '-'"),
    ("def a = 5; def b = 'x'; (a + b) % 3", 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '+': was String"),
    ('def a = -5; int b = 3; def m = -3; (a * b) % m', 'ok', '0', 'int'),
    ('def a = 5; def m = 3L; (a + 1) % m', 'ok', '0L', 'Long'),
    ('def M = 7; def f(k) { { x -> (x + k) % M } }; f(2147483647)(5)', 'ok', '2', 'int'),
    ('int a = 3; int b = 4; def m = 5; (a * b + 1) % m', 'ok', '3', 'int'),
    ('def M = 7; def f(k) { { x -> (x * k) % M } }; [f(3)(5), f(3L)(5), f(1.5)(2), f(-3)(5)]', 'ok', "[1, 1L, Decimal('3.0'), 6]", 'list'),
    ('def M = 0; def f(k) { { x -> (x * k) % M } }; f(3)(5)', 'err', 'JactlRuntimeError', 'Divide by zero'),
    ('def a = 65536; def b = 65536; def m = 1000; (a * b - 1) % m', 'ok', '999', 'int'),
]


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("case", CASES, ids=[c[0][:60] for c in CASES])
def test_dynamic_loop_path(case, cpe):
    check_case(case, cpe)


def test_index_after_size_condition_tests_only_the_type():
    """The first ``a[i]`` of the body needs no bounds test: the condition just proved it."""
    src = "def f(List l) { def r = 0; for (int i = 0; i < l.size(); i++) { def g = l[i]; r = g(r) }; r }; f([])"
    py = lang.Context().compile(src).py_source
    assert "v_g = (v_l[v_i] if type(v_l) is list else _index(v_l, v_i))" in py
    assert "v_i += 1" in py and "_w32" not in py.split("def _f1(")[1]


def test_mod_of_a_variable_tree_is_one_int_path():
    """``(x + k) % M`` in a closure with untyped x, k: one type test per variable, one
    range check and one zero test, the general code only when they fail."""
    src = "def M = 7; def f(k) { { x -> (x + k) % M } }; f(3)(5)"
    py = lang.Context().compile(src).py_source
    assert "(_r % _q2 if type((_q1 := k1_v_k.v)) is int and (_q2 := k0_v_M.v) != 0 and " \
        "-2147483648 <= (_r := (v_x + _q1)) <= 2147483647 else " in py
