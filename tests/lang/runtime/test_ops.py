"""Unit tests for lang.runtime.ops (Jactl operators on dynamic values)."""

import math

import pytest

from lang.errors import JactlRuntimeError, NullError
from lang.runtime import ops
from lang.runtime.types import Byte, Decimal, JArray, Long
from lang.runtime.values import class_name, to_string

D = Decimal
L = Long
B = Byte


def same(a, b):
    """Equal value and same Jactl type."""
    return class_name(a) == class_name(b) and (a == b or (a != a and b != b)) and \
        (not isinstance(a, Decimal) or str(a) == str(b))


@pytest.mark.parametrize("op,a,b,r", [
    (ops.add, 2147483647, 1, -2147483648),
    (ops.mul, 1000000, 1000000, -727379968),
    (ops.mul, L(1000000), 1000000, L(1000000000000)),
    (ops.add, 2147483647, L(1), L(2147483648)),
    (ops.add, L(9223372036854775807), 1, L(-9223372036854775808)),
    (ops.sub, -2147483648, 1, 2147483647),
    (ops.div, 1, 2, 0), (ops.div, -7, 2, -3), (ops.div, -2147483648, -1, -2147483648),
    (ops.mul, ops.div(10, 4), 2, 4),
    (ops.mod, -7, 3, 2), (ops.mod, 7, -3, -2), (ops.mod, 7, 3, 1), (ops.mod, -7, -3, -1),
    (ops.mod, D("-7.5"), 2, D("0.5")), (ops.rem, -7, 3, -1), (ops.rem, 7, -3, 1),
    (ops.rem, -5, 3, -2), (ops.mod, -7.5, 2, 0.5), (ops.rem, -7.5, 2.0, -1.5),
    (ops.div, 7.0, 0, math.inf), (ops.div, -7.0, 0, -math.inf), (ops.div, 0.0, 0, math.nan),
    (ops.add, 1, 2.5, 3.5), (ops.add, L(1), 0.5, 1.5), (ops.mul, 2.0, D("1.5"), D("3.00")),
    (ops.mul, D("1.5"), 2.0, D("3.00")), (ops.div, 7, D("2.0"), D("3.5")),
    (ops.add, D("1.10"), 0, D("1.10")), (ops.mul, D("1.0"), D("1.0"), D("1.00")),
    (ops.sub, D("2.0"), D("2.00"), D("0.00")), (ops.add, D("0.1"), D("0.2"), D("0.3")),
    (ops.add, 12.12, 12.11, 24.229999999999997), (ops.add, D("12.12"), D("12.11"), D("24.23")),
    (ops.add, B(255), 1, 256), (ops.add, B(250), B(10), B(4)),
    (ops.add, ops.add(B(127), B(127)), B(3), B(1)), (ops.mul, B(2), B(3), B(6)),
    (ops.mod, B(248), B(5), B(3)), (ops.mod, B(248), 5, 3), (ops.mod, B(8), B(251), B(8)),
    (ops.rem, B(8), B(251), B(8)), (ops.rem, 8, B(251), 8), (ops.rem, B(248), D("-5.0"), D("3.0")),
    (ops.rem, D("8.0"), B(251), D("8.0")), (ops.rem, D("-8.0"), B(5), D("-3.0")),
    (ops.mod, D("8.0"), B(5), D("3.0")), (ops.sub, D("1.0"), B(2), D("-1.0")),
    (ops.mul, D("2.0"), B(3), D("6.0")), (ops.mod, 1, D("3"), D("1")),
])
def test_arith(op, a, b, r):
    assert same(op(a, b), r), (op(a, b), r)


@pytest.mark.parametrize("a,b,r", [
    (D("1.0"), 3, "0.3333333333"), (D("1000000.0"), 7, "142857.1428571429"),
    (D("0.000001"), 7, "0.0000001429"), (D("1.00000000001"), 3, "0.33333333334"),
    (D("2.50"), 2, "1.25"), (D("10.0"), 4, "2.5"), (6, D("2.0"), "3"), (D("4.0"), 2, "2.0"),
    (1, D("4"), "0.25"), (D("100.0"), D("3.0"), "33.3333333333"), (D("1"), D("8"), "0.125"),
    (1000, D("8"), "125"), (D("-1.0"), 3, "-0.3333333333"), (D("2"), D("3"), "0.6666666667"),
    (D("0"), D("3"), "0"), (D("1E+3"), 7, "142.85714286"),
])
def test_decimal_division(a, b, r):
    x = ops.div(a, b)
    assert type(x) is Decimal
    assert to_string(x) == r


def test_decimal_division_chain():
    assert to_string(ops.mul(ops.div(D("100.0"), D("3.0")), 3)) == "99.9999999999"
    assert to_string(ops.mul(ops.div(1, 3), D("3.0"))) == "0.0"
    assert to_string(ops.mul(D("-1.0"), 0)) == "0.0"


@pytest.mark.parametrize("op,a,b,msg,exc", [
    (ops.sub, "abc", 1, "Non-numeric operand for left-hand side of '-': was String",
     JactlRuntimeError),
    (ops.sub, 1, "abc", "Non-numeric operand for right-hand side of '-': was String",
     JactlRuntimeError),
    (ops.add, 1, "a", "Non-numeric operand for right-hand side of '+': was String",
     JactlRuntimeError),
    (ops.add, False, 1, "Non-numeric operand for left-hand side", JactlRuntimeError),
    (ops.add, 1, True, "Non-numeric operand for right-hand side", JactlRuntimeError),
    (ops.add, None, 1, "Null operand for left-hand side of '+'", NullError),
    (ops.add, 1, None, "Null operand for right-hand side of '+'", NullError),
    (ops.add, None, "a", "null operand", NullError),
    (ops.div, 5, 0, "Divide by zero", JactlRuntimeError),
    (ops.mod, 5, 0, "Divide by zero", JactlRuntimeError),
    (ops.rem, 5, 0, "Divide by zero", JactlRuntimeError),
    (ops.div, L(1), 0, "Divide by zero", JactlRuntimeError),
    (ops.div, D("7.0"), D("0.0"), "Divide by zero error", JactlRuntimeError),
    (ops.div, 1, D("0.0"), "Divide by zero", JactlRuntimeError),
    (ops.mod, D("1.0"), 0, "Divide by zero", JactlRuntimeError),
    (ops.mod, B(1), B(0), "Divide by zero", JactlRuntimeError),
    (ops.mul, "abc", -1, "String repeat count must be >= 0", JactlRuntimeError),
    (ops.sub, {"a": 1}, 1, "Cannot subtract int from Map", JactlRuntimeError),
    (ops.add, {}, [1, 2, 3], "Cannot add List", JactlRuntimeError),
    (ops.sub, ["a", "b"], 1, "non-numeric operand", JactlRuntimeError),
    (ops.bit_and, 1, 1.0, "must be int, byte, or long", JactlRuntimeError),
    (ops.bit_or, D("1.0"), 1, "must be int, byte, or long", JactlRuntimeError),
    (ops.bit_xor, 1, "abc", "must be int, byte, or long", JactlRuntimeError),
    (ops.compare, "a", 1, "Cannot compare objects of type String and int", JactlRuntimeError),
    (ops.compare, [1, 2, 3], "xxx", "cannot compare", JactlRuntimeError),
    (ops.compare, {"a": 1}, {}, "cannot compare objects of type Map", JactlRuntimeError),
    (ops.compare, [1], ["a"], "cannot compare", JactlRuntimeError),
    (ops.lt, 1, True, "cannot compare", JactlRuntimeError),
    (ops.in_, "1", 1, "int is not a valid type for right-hand side of 'in'", JactlRuntimeError),
    (ops.in_, "1", 1, "expecting String/List/Map for right-hand side", JactlRuntimeError),
])
def test_binary_errors(op, a, b, msg, exc):
    with pytest.raises(exc) as e:
        op(a, b)
    assert msg.lower() in str(e.value).lower()


@pytest.mark.parametrize("op,a,msg,exc", [
    (ops.bit_not, "abc", "must be int, byte, or long", JactlRuntimeError),
    (ops.neg, "abc", "cannot be applied to type", JactlRuntimeError),
    (ops.neg, True, "cannot be applied to type", JactlRuntimeError),
    (ops.pos, "abc", "cannot be applied to type", JactlRuntimeError),
    (ops.incr, "a", "non-numeric operand", JactlRuntimeError),
    (ops.decr, ["a"], "non-numeric operand", JactlRuntimeError),
    (ops.incr, {"a": 1}, "non-numeric operand", JactlRuntimeError),
    (ops.decr, None, "null value", NullError),
])
def test_unary_errors(op, a, msg, exc):
    with pytest.raises(exc) as e:
        op(a)
    assert msg.lower() in str(e.value).lower()


@pytest.mark.parametrize("op,a,b,r", [
    (ops.shl, 1, 31, -2147483648), (ops.shr, -16, 2, -4), (ops.ushr, -16, 28, 15),
    (ops.ushr, L(-16), 60, L(15)), (ops.bit_and, 5, 3, 1), (ops.bit_or, 5, 3, 7),
    (ops.bit_xor, 5, 3, 6), (ops.shl, 1, L((1 << 32) + 1), 2), (ops.shl, 1, B(2), 4),
    (ops.shl, 1, L(2), 4), (ops.ushr, -1, B(20), 4095), (ops.ushr, L(-1), 20, L(17592186044415)),
    (ops.shr, L(123456789012345), 5, L(3858024656635)), (ops.shl, L(1), 40, L(1099511627776)),
    (ops.shl, B(1), B(2), B(4)), (ops.shr, B(255), B(4), B(15)), (ops.ushr, B(255), B(4), B(15)),
    (ops.shl, B(255), 9, B(254)), (ops.ushr, B(255), 9, B(127)), (ops.shr, B(255), 8, B(255)),
    (ops.shr, B(255), 300000, B(255)), (ops.shr, B(255), L(3000000001), B(127)),
    (ops.shl, B(1), B(9), B(2)), (ops.bit_and, 511, B(255), 255), (ops.bit_and, L(5), B(255), L(5)),
    (ops.bit_and, B(0), B(255), B(0)), (ops.bit_or, B(1), B(0), B(1)), (ops.bit_xor, B(1), B(0), B(1)),
    (ops.bit_and, True, False, False), (ops.bit_or, True, False, True),
    (ops.bit_xor, True, True, False), (ops.shr, -1, 20, -1),
])
def test_bits(op, a, b, r):
    assert same(op(a, b), r), (op(a, b), r)


def test_bit_precedence_example():
    assert ops.bit_or(ops.bit_and(5, 3), ops.bit_xor(8, 1)) == 9
    assert ops.bit_not(5) == -6
    assert same(ops.bit_not(L(5)), L(-6))
    assert same(ops.bit_not(B(0)), B(255))


@pytest.mark.parametrize("op,a,r", [
    (ops.neg, 5, -5), (ops.neg, -2147483648, -2147483648), (ops.neg, L(5), L(-5)),
    (ops.neg, B(1), B(255)), (ops.neg, 1.5, -1.5), (ops.neg, D("1.5"), D("-1.5")),
    (ops.neg, D("0.0"), D("0.0")), (ops.pos, B(3), B(3)), (ops.incr, 2147483647, -2147483648),
    (ops.incr, B(255), B(0)), (ops.decr, B(0), B(255)), (ops.incr, L(1), L(2)),
    (ops.incr, 1.5, 2.5), (ops.incr, D("1.5"), D("2.5")), (ops.decr, 1, 0),
    (ops.decr, -2147483648, 2147483647),
])
def test_unary(op, a, r):
    assert same(op(a), r), (op(a), r)


def test_string_ops():
    assert ops.add(ops.add("a", 1), 2) == "a12"
    assert ops.add("a", None) == "anull"
    assert ops.add("a", [1, "b"]) == "a[1, 'b']"
    assert ops.add("x", 1.0) == "x1.0"
    assert ops.mul("x", 3) == "xxx"
    assert ops.mul("a", 0) == ""
    assert ops.mul("5", 2) == "55"
    assert ops.add("5", 1) == "51"


def test_collection_ops():
    a = [1, 2]
    r = ops.add(a, [3])
    assert r == [1, 2, 3] and a == [1, 2]
    assert ops.add([1, 2], 3) == [1, 2, 3]
    assert ops.shl([1, 2], [3]) == [1, 2, [3]]
    r = []
    assert ops.shl(r, 1) == [1] and r == []
    assert ops.shl([1, 2], {"a": 1}) == [1, 2, {"a": 1}]
    assert ops.sub({"a": 1, "b": 2}, ["a"]) == {"b": 2}
    assert ops.sub({"a": 1, "b": 2, "c": 3}, {"a": 3, "b": [1]}) == {"c": 3}
    assert ops.sub({"a": 1, "b": 2, "c": 3}, {"x": "abc"}) == {"a": 1, "b": 2, "c": 3}
    m = {"a": 1}
    assert ops.add(m, {"b": 2}) == {"a": 1, "b": 2} and m == {"a": 1}
    assert ops.add({"a": 1, "b": 2}, {"b": 4}) == {"a": 1, "b": 4}
    assert ops.add(JArray("int", [1]), 2) == [1, 2]


def test_assign_ops_mutate():
    r = []
    assert ops.shl_assign(r, 1) is r and r == [1]
    ops.shl_assign(r, [2])
    assert r == [1, [2]]
    y = [1, 2]
    assert ops.add_assign(y, 3) is y and y == [1, 2, 3]
    ops.add_assign(y, [4, 5])
    assert y == [1, 2, 3, 4, 5]
    m = {"a": 1, "b": 2}
    assert ops.add_assign(m, {"c": 3, "a": 2}) is m and m == {"a": 2, "b": 2, "c": 3}
    assert ops.add_assign(1, 2) == 3
    assert ops.shl_assign(1, 4) == 16
    mm = {"a": 1, "b": 2}
    assert ops.sub_assign(mm, ["a"]) is mm and mm == {"b": 2}


@pytest.mark.parametrize("a,b,r", [
    (1, 1.0, True), (1, L(1), True), (3, 3.0, True), (D("1.0"), D("1.00"), True),
    (D("0.1"), 0.1, True), (True, 1, False), (1, True, False), ("a", 97, False),
    ([1, 2], [L(1), 2.0], True), ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
    (None, None, True), (None, 0, False), ([1, [2, 3]], [1, [2, 3]], True),
    (JArray("int", [1, 2, 3]), [1, 2, 3], True), (JArray("int", [1]), JArray("long", [L(1)]), True),
    ({"a": 1}, {"a": 2}, False), ({"a": 1}, {"b": 1}, False), ([1], [1, 2], False),
    (math.nan, math.nan, False), ("abc", "abc", True), (B(255), -1, False), (B(255), 255, True),
    ([1, 2, 3], [1, D("2"), 3], True), ({"a": 1, "b": 2, "c": 3}, {"b": D(2), "c": 3}, False),
])
def test_eq(a, b, r):
    assert ops.eq(a, b) is r
    assert ops.ne(a, b) is (not r)


@pytest.mark.parametrize("a,b,r", [
    (1, 1, True), (1, 1.0, True), (1, L(1), True), (1, False, False), (B(1), L(1), True),
    (D("1"), 1.0, True), (True, 1, False), ("1", 1, False), (True, True, True),
    (JArray("int", [1]), JArray("int", [1]), False), ([1], 1, False), ({}, [], False),
])
def test_identical(a, b, r):
    assert ops.identical(a, b) is r
    assert ops.not_identical(a, b) is (not r)


def test_identical_same_object():
    x = [1, [2, 3]]
    assert ops.identical(x, x)
    assert not ops.identical(x, [1, [2, 3]])


@pytest.mark.parametrize("a,b,r", [
    (3, 5, -1), ("b", "a", 1), (True, False, 1), (1, None, 1), (None, None, 0),
    (None, "", -1), ("", None, 1), (2, 2, 0), (D("2.3"), D("2.3"), 0), (4, 3, 1),
    ("abc", "ab", 1), ("a", "ab", -1), (1, 1.5, -1), (L(5), 2, 1), (D("0.1"), 0.1, 0),
    ([1, 2], [1], 1), ([1], [1, 2], -1), ([1, 2], [1, 3], -1), (B(255), 1, 1),
    ("\uffff", "\U00010000", 1), ("A", "a", -1),
])
def test_compare(a, b, r):
    assert ops.compare(a, b) == r


def test_relational():
    assert ops.lt(1, 2) and ops.le(2, 2) and ops.gt(3, 2) and ops.ge(2, 2)
    assert ops.lt("a", "ab") and ops.lt("abcde", "xyz")
    assert ops.lt(1, 2.5) and ops.gt(D("3.5"), 2)
    nan = math.nan
    assert not ops.lt(nan, 1) and not ops.le(nan, 1) and not ops.gt(nan, 1) and not ops.ge(nan, 1)
    assert not ops.lt(1, nan) and not ops.ge(1, nan)


def test_in():
    assert ops.in_(2, [1, 2])
    assert ops.in_(2, [1, L(2)])
    assert ops.in_("a", {"a": 1})
    assert not ops.in_("b", {"a": 1})
    assert ops.in_("bc", "abc")
    assert not ops.not_in("b", "abc")
    assert ops.not_in("xy", "abc")
    assert ops.in_([1], [[1], 2])
    assert ops.in_(2, JArray("int", [1, 2]))
    assert not ops.in_(1, [True])
    with pytest.raises(JactlRuntimeError, match="(?i)expecting string for left-hand side"):
        ops.in_(1, "abc")
    with pytest.raises(JactlRuntimeError, match="(?i)expecting string for left-hand side"):
        ops.in_(None, "abc")
