"""Speed work on numbers, arrays and Decimals (issue 9): range loops that prove array/List
indexes in bounds, globals the script never assigns as loop bounds, never-null Decimal
locals, Decimal constants for int literals, inline compound-assignment starts and ``++`` on
map entries, ``m[k] ?: d`` without a lambda, switch expressions as else chains, known lower
bounds in ternaries, doubles in untyped arithmetic, long ``+ - *`` trees wrapped once.
Each case's expected value was produced by the code before these fast paths (overflow at
2**31 and 2**63, null operands, out-of-bounds indexes included); every case runs plain and
checkpoint-each-statement."""

import pytest

import lang
from fastpath_cases import check_case, py_source as _py

CASES = [
    ('int[] a = new int[5]; int s = 0; for (int i = 0; i < 5; i++) { a[i] = i * i }; for (int i = 0; i < 5; i++) { s += a[i] }; s', 'ok', '30', 'int'),
    ('int[] a = new int[3]\nfor (int i = 0; i <= 3; i++) {\n  a[i] = i\n}\na', 'err', 'JactlRuntimeError', 'Array index out of bounds: 3'),
    ('int[] a = new int[3]\nint s = 0\nfor (int i = 0; i <= 3; i++) {\n  s += a[i]\n}\ns', 'err', 'JactlRuntimeError', 'Array index out of bounds: 3'),
    ('int[] a = [1, 2, 3]; int s = 0; for (int i = -2; i < 3; i++) { s = s * 10 + a[i] }; s', 'ok', '23123', 'int'),
    ('int[] a; for (int i = 0; i < 2; i++) { a[i] = 1 }; a', 'err', 'NullError', 'Null value for array/map in store'),
    ('long[] a = new long[4]; for (long i = 0; i < 4; i++) { a[i] = i * 3 }; a', 'ok', '[0L, 3L, 6L, 9L]', 'JArray'),
    ('long[] a = new long[4]; for (long i = 1; i < 4; i += 2) { a[i] = a[i - 1] + i }; a', 'ok', '[0L, 1L, 0L, 3L]', 'JArray'),
    ('boolean[] c = new boolean[31]; for (long i = 2; i * i <= 30; i++) { if (!c[i]) { for (long j = i * i; j <= 30; j += i) { c[j] = true } } }; int k = 0; for (int i = 2; i <= 30; i++) { if (!c[i]) { k++ } }; k', 'ok', '10', 'int'),
    ('def l = [1, 2, 3]; def s = 0; for (int i = 0; i < 3; i++) { s += l[i]; l[i + 3] = i }; [s, l]', 'ok', '[6, [1, 2, 3, 0, 1, 2]]', 'list'),
    ('def l = [1, 2, 3]; for (int i = 0; i < 3; i++) { l[i] = l[i] * 2 }; l', 'ok', '[2, 4, 6]', 'list'),
    ('def l = [1, 2]; def s = 0; for (int i = 0; i < 3; i++) { s += l[i] }; s', 'err', 'NullError', "Null operand for right-hand side of '+'"),
    ('def l = [1, 2, null]; def s = 0; for (int i = 0; i < 3; i++) { s += l[i] }; s', 'err', 'NullError', "Null operand for right-hand side of '+'"),
    ("def l = 'abc'; def r = 0; for (int i = 0; i < 3; i++) { r += l[i] == 'b' ? 1 : 0 }; r", 'ok', '1', 'int'),
    ('def l = null; for (int i = 0; i < 3; i++) { l[i] = i }; l', 'ok', '[0, 1, 2]', 'list'),
    ('String[] a = new String[2]; for (int i = 0; i < 2; i++) { a[i] = "x$i" }; a', 'ok', "['x0', 'x1']", 'JArray'),
    ('double[] a = new double[3]; double t = 0; for (int i = 0; i < 3; i++) { a[i] = i / 2.0; t += a[i] }; [a, t]', 'ok', '[[0.0, 0.5, 1.0], 1.5]', 'list'),
    ('def n = 3; (n + 1).collect{ it * 2 }', 'ok', '[0, 2, 4, 6]', 'list'),
    ('def n = 3; (n + 1).map{ it * 2 }.filter{ it > 2 }', 'ok', '[4, 6]', 'list'),
    ('def m = [:]; m.x += 2; m.y++; m.s += "a"; m.l += [1]; m', 'ok', "{'x': 2, 'y': 1, 's': 'a', 'l': [1]}", 'dict'),
    ('def m = [x: 5L]; m.x += 2; m.x++; [m.x, m.x.className()]', 'ok', "[8L, 'long']", 'list'),
    ('def m = [:]; [m.a ?: 3, m["a"] ?: 4]', 'ok', '[3, 4]', 'list'),
    ('def m = null; m["a"] ?: 3', 'ok', '3', 'int'),
    ('List l = null; l[0] ?: 4', 'ok', '4', 'int'),
    ('List l = [1, null]; [l[1] ?: 5, l[0] ?: 6, l[7] ?: 7]', 'ok', '[5, 1, 7]', 'list'),
    ('def s = "abc"; [s[1] ?: 1, s[5] ?: 2]', 'err', 'JactlRuntimeError', 'Index out of bounds: String index out of range: 5'),
    ('Decimal a = 1.5; Decimal b = a * 2; b = b - 3; [b, b.className()]', 'ok', "[Decimal('0.0'), 'Decimal']", 'list'),
    ('Decimal a = 0; Decimal b = a * -1; [b, b == 0, "$b"]', 'ok', "[Decimal('0'), True, '0']", 'list'),
    ('Decimal a = -0.0; Decimal b = a + 0; "$b"', 'ok', "'0.0'", 'str'),
    ('Decimal x = 2; x = x / 3; x', 'ok', "Decimal('0.6666666667')", 'Decimal'),
    ('Decimal x = 2; x += 0.5; x *= 2; x -= 1; x /= 2; x++; x', 'ok', "Decimal('3.0')", 'Decimal'),
    ('Decimal a = 1; a = null; a + 1', 'err', 'NullError', "Null operand for left-hand side of '+'"),
    ('Decimal a = 1; a = null; a', 'ok', 'None', 'NoneType'),
    ('Decimal d = 5; [d >= 5, d > 5, d == 5, d != 5, d * 3, d + 1, d - 7]', 'ok', "[True, False, True, False, Decimal('15'), Decimal('6'), Decimal('-2')]", 'list'),
    ('Decimal d = 5.00; [d == 5, d <=> 5, d + 0]', 'ok', "[True, 0, Decimal('5.00')]", 'list'),
    ('Decimal d = 1; for (int i = 0; i < 10; i++) { d = d * 1.1 }; d', 'ok', "Decimal('2.5937424601')", 'Decimal'),
    ('Decimal d = 1; def f = { d = null }; f(); d', 'ok', 'None', 'NoneType'),
    ('Decimal d = 1; int i = 3; Decimal e = d * i + i; [e, d - i]', 'ok', "[Decimal('6'), Decimal('-2')]", 'list'),
    ('Decimal d = 10; d = d % 3; d', 'ok', "Decimal('1')", 'Decimal'),
    ('Decimal d = true ? 1.5 : 2; d * 2', 'ok', "Decimal('3.0')", 'Decimal'),
    ('int i = 7; Decimal d = i; d * 2', 'ok', "Decimal('14')", 'Decimal'),
    ("def g(x) { switch (x) { 1, 2 -> 'a'; int y if y > 5 -> 'big'; String -> 'str'; [a, b] -> a + b; default -> 'd' } }; [g(1), g(7), g(3), g('x'), g([1, 2]), g(null)]", 'ok', "['a', 'big', 'd', 'str', 3, 'd']", 'list'),
    ("def g(x) { switch (x) { 1 -> 'a' } }; [g(1), g(2)]", 'ok', "['a', None]", 'list'),
    ("def g(x) { switch (x) { default -> 'd' } }; [g(1), g(2)]", 'ok', "['d', 'd']", 'list'),
    # int lower bounds known in a ternary branch (typed.known_lower)
    ('int f(int x) { x < 2 ? x : f(x - 1) + f(x - 2) }; f(15)', 'ok', '610', 'int'),
    ('def f(x) { x < 2 ? x : f(x - 1) + f(x - 2) }; [f(15), f(2.5), f(3L)]', 'ok', "[610, Decimal('2.0'), 2L]", 'list'),
    ('int m = -2147483647 - 1; def g(int x) { x >= 0 ? x - 2147483647 : x - 2147483647 }; [g(0), g(5), g(-1), g(m)]', 'ok', '[-2147483647, -2147483642, -2147483648, 1]', 'list'),
    ('int m = -2147483647 - 1; def g(int x) { x >= -5 ? x - 2147483647 : 0 }; [g(-5), g(-4), g(m)]', 'ok', '[2147483644, 2147483645, 0]', 'list'),
    ('int m = -2147483647 - 1; def g(int x) { x > -1 ? x + -2147483647 : x + -2147483647 }; [g(0), g(-1), g(m)]', 'ok', '[-2147483647, -2147483648, 1]', 'list'),
    ('int m = -2147483647 - 1; int x = 5; x < 2 ? [0] : [x = m, x - 1]', 'ok', '[-2147483648, 2147483647]', 'list'),
    ('int m = -2147483647 - 1; int x = 5; x < 2 ? [0] : [x++, x - 2147483647, x--, x - 2147483647]', 'ok', '[5, -2147483641, 6, -2147483642]', 'list'),
    ('int x = 5; x <= 2 ? x - 9 : x - 3', 'ok', '2', 'int'),
    ('int m = -2147483647 - 1; def f(int x) { !(x < 2) ? x - 1 : x - 1 }; [f(5), f(m)]', 'ok', '[4, 2147483647]', 'list'),
    # doubles in untyped arithmetic and a typed double with an untyped value
    ('def a = 1.5D; def b = 2; [a + b, b - a, a * b, a < b, b <= a, a > 1, a >= 1.5D, a * 3L, 2L - a]', 'ok', '[3.5, 0.5, 3.0, True, False, True, True, 4.5, 0.5]', 'list'),
    ('double d = 0.5; def m = 3; def f = 2.5D; def l = 4L; [d * m, d * f, m - d, d + l, f - d, l * d]', 'ok', '[1.5, 1.25, 2.5, 4.5, 2.0, 2.0]', 'list'),
    ('double d = 0.5; def m = 2.5; [d * m, m - d]', 'ok', "[Decimal('1.25'), Decimal('2.0')]", 'list'),
    ('double d = 0.5; def m = null; d * m', 'err', 'NullError', "Null operand for right-hand side of '*'"),
    ('double d = 0.5; def m = null; m + d', 'err', 'NullError', "Null operand for left-hand side of '+'"),
    ("double d = 1.5; def s = 'ab'; s + d", 'ok', "'ab1.5'", 'str'),
    ('def a = 0; def b = -1.5D; [a * b, b * a, a - 0.0D, -0.0D + a]', 'ok', '[-0.0, -0.0, 0.0, 0.0]', 'list'),
    ('def x = 2147483647; def y = 1.0D; [x + y, x * 2, x + 1, y * x]', 'ok', '[2147483648.0, -2, -2147483648, 2147483647.0]', 'list'),
    ('def n = 0.1D; def t = 0; for (int i = 0; i < 10; i++) { t = t + n }; [t, t == 1.0D, t < 1.0D]', 'ok', '[0.9999999999999999, False, True]', 'list'),
    ('def a = 3; def b = 2.5D; [a < b, a > b, a <= 3.0D, b >= a]', 'ok', '[False, True, True, False]', 'list'),
    ('def a = 9007199254740993L; def b = 1.0D; [a * b, a < 9007199254740992.0D]', 'ok', '[9007199254740992.0, False]', 'list'),
    ('def a = 1.5D; def b = 1.5; [a + b, b * a, a < b]', 'ok', "[Decimal('3.0'), Decimal('2.25'), False]", 'list'),
    ('def a = 1.5D; def b = true; a + b', 'err', 'JactlRuntimeError', "Non-numeric operand for right-hand side of '+': was boolean"),
    # ++/-- on a Map entry / List element (inline int step)
    ('def m = [c: 2147483647]; m.c++; [m.c, m.c.className()]', 'ok', "[-2147483648, 'int']", 'list'),
    ('def m = [c: 5]; m.c++; m.c--; ++m.c; --m.c; m.d++; m.e--; m', 'ok', "{'c': 5, 'd': 1, 'e': -1}", 'dict'),
    ("def m = [c: 'a']; m.c++; m", 'err', 'JactlRuntimeError', "Non-numeric operand for left-hand side of '++': was String (operator '++' cannot be applied to type String)"),
    ('def m = [c: 1.5D, d: 2L, e: 1.5]; m.c++; m.d++; m.e--; m', 'ok', "{'c': 2.5, 'd': 3L, 'e': Decimal('0.5')}", 'dict'),
    ('def l = [1, 2]; l[0]++; l[5]++; l', 'ok', '[2, 2, None, None, None, 1]', 'list'),
    ('class X { def n = 1 }; def x = new X(); x.n++; x.n', 'ok', '2', 'int'),
    # long + - * trees wrapped once (typed._ring)
    ('long x = 9223372036854775807L; long y = x * x * 3 + x - 7; y', 'ok', '9223372036854775803L', 'Long'),
    ('long a = 3037000500L; (a * a * a - a) * 2', 'ok', '883610381608191000L', 'Long'),
    ('long x = 5; int i = 2147483647; [x * (i + 1), x * i + i * 2, (x + i) * (x - i)]', 'ok', '[-10737418240L, 10737418233L, -4611686014132420584L]', 'list'),
    ('long x = -9223372036854775807L - 1; [x - 1 + 1, x * -1 - x, -x * x + x]', 'ok', '[-9223372036854775808L, 0L, -9223372036854775808L]', 'list'),
    ('long x = 12345; for (int k = 0; k < 50; k++) { x = x * 6364136223846793005L + 1442695040888963407L }; x', 'ok', '-5034458420878435005L', 'Long'),
    ('long x = 7; double d = 0.5; [x * 3 + d, (x * x + 1) / 2, (x * 1000000007L * 1000000007L) % 1000L]', 'ok', '[21.5, 25L, 343L]', 'list'),
]


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("case", CASES, ids=[c[0][:60] for c in CASES])
def test_speed_case(case, cpe):
    check_case(case, cpe)


def test_range_loop_indexes_proven_arrays_directly():
    src = ("boolean[] c = new boolean[31]; def l = [1, 0, 3]; int s = 0\n"
           "for (long j = 4; j <= 30; j += 2) { c[j] = true }\n"
           "for (int i = 0; i < 3; i++) { if (l[i]) { s++ } }\n"
           "for (int i = 0; i < 3; i++) { if (!c[i]) { s++ } }\ns")
    py = _py(src)
    assert "type(v_c) is _JA and _rb1 + 1 <= len(v_c)" in py
    assert "v_c[v_j] = True\n" in py
    assert "type(v_l) is list and _rb2 <= len(v_l)" in py
    assert "(not v_c[v_i_1])" in py
    assert lang.eval(src) == 5


def test_out_of_bounds_in_range_loop_keeps_position():
    src = "int[] a = new int[3]\nfor (int i = 0; i <= 3; i++) {\n  a[i] = i\n}\na"
    for cpe in (False, True):
        with pytest.raises(lang.JactlRuntimeError) as ei:
            lang.eval(src, {}, checkpoint_each_statement=cpe)
        assert "Array index out of bounds: 3" in str(ei.value)
        assert (ei.value.line, ei.value.column) == (3, 3)


@pytest.mark.parametrize("cpe", [False, True])
def test_long_switch_groups_cases(cpe):
    src = ("def f(x) { switch (x) {\n" + "\n".join(f"{i} -> 'c{i}'" for i in range(40)) +
           "\ndefault -> 'd' } }; [f(0), f(15), f(16), f(17), f(33), f(39), f(40)]")
    assert lang.eval(src, {}, checkpoint_each_statement=cpe) == \
        ['c0', 'c15', 'c16', 'c17', 'c33', 'c39', 'd']


def test_never_null_decimals_skip_the_type_test():
    py = _py("Decimal a = 1.5; Decimal b = a * 2; b = b - 3; b >= 100")
    assert "v_b = ((_r if (_r := v_a * _K" in py
    assert "(v_b >= _K" in py and "type(v_b)" not in py
    # assigned null somewhere: tested
    assert "type(v_a) is _Dec" in _py("Decimal a = 1; if (a > 0) { a = null }; a * 2")


def test_known_lower_bound_drops_the_range_check():
    py = _py("int f(int x) { x < 2 ? x : f(x - 1) + f(x - 2) }")
    assert "_f1((v_x - 1)) + _f1((v_x - 2))" in py


def test_int_copy_only_for_parameters_used_as_numbers():
    py = _py("def step(acc, msg) { switch (msg) { [op:'add', v:v, *] -> acc + v\n"
             "default -> acc } }\nstep(1, [op:'add', v:2])")
    assert "if type(v_acc) is int:" in py and "type(v_msg) is int" not in py
    assert lang.eval("def step(acc, msg) { switch (msg) { [op:'add', v:v, *] -> acc + v\n"
                     "default -> acc } }\n[step(1, [op:'add', v:2]), step(1.5D, 3)]") == [3, 1.5]
    # a constructor's int copy would be the same text: one body
    py = _py("class V { def x; def y }; new V(1, 2)")
    assert "return _C_V(v_x, v_y)" in py and "type(v_x) is int" not in py


# a global the script never assigns bounds a range loop even when the body makes calls
GLOBAL_BOUND = [
    ('def f() { n = 2 }; def c = 0; for (int i = 0; i < n; i++) { f(); c++ }; c', 'ok', '2', 'int'),
    ("def c = 0; for (int i = 0; i < n; i++) { eval('n = 2', [n:n]); c++ }; [c, n]", 'ok', '[10, 10]', 'list'),
    ("def c = 0; for (int i = 0; i < n; i++) { eval('n = 2'); c++ }; [c, n]", 'ok', '[10, 10]', 'list'),
    ('def f = { n++ }; def c = 0; for (int i = 0; i < n; i++) { if (i < 3) { f() }; c += 1 }; [c, n]', 'ok', '[13, 13]', 'list'),
    ('def c = 0; def l = [1]; for (int i = 0; i < n; i++) { l.size(); c += i.toString().size() }; c', 'ok', '10', 'int'),
    ('Decimal t = 0; for (int i = 0; i < n; i++) { t += 0.5 }; t', 'ok', "Decimal('5.0')", 'Decimal'),
    ('def c = 0; for (int i = 0; i < n; i++) { c++; if (i == 3) { (n, c) = [5, c] } }; c', 'ok', '5', 'int'),
    ('def c = 0; for (int i = 0; i <= n; i++) { c += i }; c', 'ok', '55', 'int'),
]


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("case", GLOBAL_BOUND, ids=[c[0][:60] for c in GLOBAL_BOUND])
def test_global_bound(case, cpe):
    src, kind, a, b = case
    r = lang.eval(src, {"n": 10}, checkpoint_each_statement=cpe)
    assert (repr(r), type(r).__name__) == (a, b)


def test_unassigned_global_bound_takes_the_range_loop():
    src = "def c = 0; def l = [1]; for (int i = 0; i < n; i++) { l.size(); c += 1 }; c"
    assert "for v_i in range(v_i, _rb1):" in lang.Context().compile(src, globals=["n"]).py_source
    src = "def f() { n = 2 }; def c = 0; for (int i = 0; i < n; i++) { f(); c++ }; c"
    assert "range(" not in lang.Context().compile(src, globals=["n"]).py_source
    with pytest.raises(lang.JactlRuntimeError) as ei:
        lang.eval("def c = 0\nfor (int i = 0; i < n; i++) { c++ }\nc", {"n": "x"})
    assert "Cannot compare objects of type int and String" in str(ei.value)
    assert (ei.value.line, ei.value.column) == (2, 6)      # (where the general loop reports it)
