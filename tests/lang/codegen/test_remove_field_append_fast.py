"""Inline fast paths for ``x.sum()`` on a List (methods.sum_list), ``x.remove(k)`` (codegen/dynamic.py: method_call — a List index in
bounds is list.pop, a String Map key dict.pop), ``o.f[k] = v`` with o of a known class (its
field's slot read inline: codegen/assign.py: autocreate) and ``o.f <<= v`` on any target
(an in-place append): values, types and errors as the general path gives them, plain and in
checkpoint-each-statement mode; also long values interpolated into Strings
(codegen/strdec.py: their digits without the type dispatch). Expected results were produced before these fast paths
existed."""

import pytest

from fastpath_cases import check_case


CASES = [
    ('def l = [1, 2, 3]; [l.remove(0), l]', 'ok', '[1, [2, 3]]', 'list'),
    ('List l = [1, 2, 3]; [l.remove(l.size() - 1), l]', 'ok', '[3, [1, 2]]', 'list'),
    ('def l = [1, 2, 3]; [l.remove(-1), l]', 'ok', '[3, [1, 2]]', 'list'),
    ('def l = [1, 2, 3]; l.remove(3)', 'err', 'JactlRuntimeError', 'Index 3 too large for List of size 3'),
    ("def l = [1, 2, 3]; l.remove('a')", 'err', 'JactlRuntimeError', 'Index 97 too large for List of size 3'),
    ('def l = [1, 2, 3]; int i = 0; [l.remove(i++), i, l]', 'ok', '[1, 1, [2, 3]]', 'list'),
    ("def m = [a:1, b:2]; [m.remove('a'), m.remove('z'), m]", 'ok', "[1, None, {'b': 2}]", 'list'),
    ("Map m = [a:1]; def k = 'a'; [m.remove(k), m]", 'ok', '[1, {}]', 'list'),
    ('def m = [1:2, 3:4]; [m.remove(1), m]', 'ok', '[2, {3: 4}]', 'list'),
    ("def m = [remove: { k -> 'fn ' + k }]; m.remove('x')", 'ok', "'fn x'", 'str'),
    ("def s = 'abc'; s.remove(0)", 'err', 'JactlRuntimeError', "No such method 'remove' for type String"),
    ('def n = null; n.remove(0)', 'err', 'NullError', 'Tried to invoke method on null value'),
    ("class C { def remove(x) { 'C' + x } }; def c = new C(); c.remove(2)", 'ok', "'C2'", 'str'),
    ('class X { Map m = null; List l = null; X x = null }\nX a = new X(); a.m.k = 1; a.l[2] = 3; a.x.m.z = 4; a.m.k2 = 5; [a.m, a.l, a.x.m]', 'ok', "[{'k': 1, 'k2': 5}, [None, None, 3], {'z': 4}]", 'list'),
    ("class X { Map m = [q:0] }\nX a = new X(); a.m.k = 1; a.m['j'] = 2; a.m", 'ok', "{'q': 0, 'k': 1, 'j': 2}", 'dict'),
    ('class X { Map m }\nX b = null; b.m.k = 1', 'err', 'NullError', 'Null value for parent during field access'),
    ('class X { List l = [] }\nX a = new X(); a.l <<= 1; a.l <<= [2]; a.l', 'ok', '[1, [2]]', 'list'),
    ('class X { def l = null }\nX a = new X(); a.l <<= 1; a.l', 'ok', '0', 'int'),
    ('def m = [:]; m.l <<= 1; m.l <<= 2; m', 'ok', "{'l': 0}", 'dict'),
    ("def m = [l: 'ab']; m.l <<= 'c'; m", 'err', 'JactlRuntimeError', "Left-hand side of '<<' must be int, byte, or long (not String)"),
    ('[[1, 2, 3].sum(), [1, 2L].sum(), [1.5, 2].sum(), [].sum(), [a:1].map{ k, v -> v }.sum()]', 'ok', "[6, 3L, Decimal('3.5'), 0, 1]", 'list'),
    ('[2147483647, 1].sum()', 'ok', '-2147483648', 'int'),
    ('[1, null].sum()', 'err', 'NullError', 'Null value in list for sum()'),
    ("['a'].sum()", 'err', 'JactlRuntimeError', 'Non-numeric element in list for sum(): was String'),
    ('def x = null; x.sum()', 'err', 'NullError', 'Tried to invoke method on null value'),
    ('def m = [sum: { -> 7 }]; m.sum()', 'ok', '7', 'int'),
    ('long a = 12345678901L; long b = -3; def x = "${a}"; [x, "$b", "v${a}w${b}", "${a + 1}", "${a * 1000000000L}"]', 'ok', "['12345678901', '-3', 'v12345678901w-3', '12345678902', '-6101065172709551616']", 'list'),
    ('class O { long id }; def o = new O(5L); O p = new O(-7L); ["${p.id}", "#${p.id} x", "$o.id"]', 'ok', "['-7', '#-7 x', '[id:5].id']", 'list'),
    ('long a = 9223372036854775807L; "${a + 1}"', 'ok', "'-9223372036854775808'", 'str'),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("cpe", [False, True])
def test_case(case, cpe):
    check_case(case, cpe)
