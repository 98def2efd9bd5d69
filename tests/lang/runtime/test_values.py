"""Unit tests for lang.runtime.values (printing, type names, truthiness, conversions)."""

import math

import pytest

from lang.errors import JactlRuntimeError, NullError
from lang.runtime.types import Byte, Decimal, JArray, Long
from lang.runtime.values import (as_type, cast, class_name, convert, default_value,
                                 format_double, instance_of, to_string, truthy, wrap32,
                                 wrap64)

D = Decimal


@pytest.mark.parametrize("f,s", [
    (1.0, "1.0"), (0.001, "0.001"), (1e-4, "1.0E-4"), (1234567.0, "1234567.0"),
    (1e7, "1.0E7"), (1.23456789e10, "1.23456789E10"), (0.1 + 0.2, "0.30000000000000004"),
    (math.inf, "Infinity"), (-math.inf, "-Infinity"), (math.nan, "NaN"), (-0.0, "-0.0"),
    (0.0, "0.0"), (100.0, "100.0"), (9999999.0, "9999999.0"), (-2.5, "-2.5"),
    (12.12 + 12.11, "24.229999999999997"), (5e-324, "4.9E-324"), (1e21, "1.0E21"),
    (0.01522756, "0.01522756"),
])
def test_format_double(f, s):
    assert format_double(f) == s
    assert to_string(f) == s


@pytest.mark.parametrize("v,s", [
    ("abc", "abc"), (None, "null"), (True, "true"), (False, "false"), (1, "1"),
    (Long(12345678901234), "12345678901234"), (Byte(255), "255"), (D("1.50"), "1.50"),
    (D("1E+3"), "1000"), (D("-0.0"), "0.0"), (D("0.0000001429"), "0.0000001429"),
    ([], "[]"), ({}, "[:]"), ([1, 2, 3], "[1, 2, 3]"), ({"a": 1}, "[a:1]"),
    ([1, "a", None], "[1, 'a', null]"), (["it's", 'a"b'], "['it's', 'a\"b']"),
    ({"a": 1, "b": "x", "c": [1, 2]}, "[a:1, b:'x', c:[1, 2]]"),
    ({"a b": 1, "123": 2, "b": 2}, "['a b':1, '123':2, b:2]"),
    ({1: 1, 2: 4}, "[(1):1, (2):4]"), ({"$error": 1}, "['$error':1]"),
    ({"a": 1, "b": ["x", "y", {"c": 3}]}, "[a:1, b:['x', 'y', [c:3]]]"),
    ([D("1.50")], "[1.50]"), ([1.0, D("2.0")], "[1.0, 2.0]"),
    (JArray("int", [1, -2, 3]), "[1, -2, 3]"), (JArray("String", ["1", "2"]), "['1', '2']"),
    (JArray("double", [1.0, -2.0]), "[1.0, -2.0]"),
    (JArray("int[]", [JArray("int", [1]), JArray("int", [2])]), "[[1], [2]]"),
])
def test_to_string(v, s):
    assert to_string(v) == s


def test_to_string_circular():
    m = {}
    m["x"] = m
    assert to_string(m) == "[x:<CIRCULAR_REF>]"
    a = [1, 2, 3]
    assert to_string({"a": a, "b": a}) == "[a:[1, 2, 3], b:[1, 2, 3]]"


@pytest.mark.parametrize("v,n", [
    (1, "int"), (Long(1), "long"), (1.0, "double"), (D("1"), "Decimal"), ("a", "String"),
    (True, "boolean"), (Byte(1), "byte"), ([], "List"), ({}, "Map"),
    (JArray("int", []), "int[]"), (JArray("String[]", []), "String[][]"),
    (JArray("double[]", []), "double[][]"),
])
def test_class_name(v, n):
    assert class_name(v) == n


@pytest.mark.parametrize("v,t", [
    (None, False), (False, False), (True, True), (0, False), (1, True), (0.0, False),
    (D("0.0"), False), (D("0"), False), ("", False), ("0", True), ([], False), ([[]], True),
    ({}, False), ({"a": 1}, True), ([False], True), (Long(0), False), (Byte(0), False),
    (JArray("int", []), False), (JArray("int", [0]), True), (math.nan, True),
])
def test_truthy(v, t):
    assert truthy(v) is t


def test_default_value():
    assert default_value("int") == 0 and type(default_value("int")) is int
    assert type(default_value("long")) is Long
    assert default_value("double") == 0.0 and type(default_value("double")) is float
    assert type(default_value("Decimal")) is Decimal
    assert default_value("String") == ""
    assert default_value("boolean") is False
    assert type(default_value("byte")) is Byte
    assert default_value("List") == [] and default_value("List") is not default_value("List")
    assert default_value("Map") == {}
    assert default_value("def") is None
    assert default_value("int[]") is None


def test_wrap():
    assert wrap32(2147483648) == -2147483648
    assert wrap32(-2147483649) == 2147483647
    assert wrap64(9223372036854775808) == -9223372036854775808


@pytest.mark.parametrize("v,t,r,rt", [
    (3.99, "int", 3, int), (-3.99, "int", -3, int), (3.99, "long", 3, Long),
    ("a", "int", 97, int), (300, "byte", 44, Byte), (-1, "byte", 255, Byte),
    (Long(2147483648), "int", -2147483648, int), (D("3.7"), "int", 3, int),
    (1, "double", 1.0, float), (1, "Decimal", D(1), Decimal), (Byte(255), "int", 255, int),
    ("a", "byte", 97, Byte), (1e20, "int", 2147483647, int), (math.nan, "int", 0, int),
])
def test_cast_numbers(v, t, r, rt):
    x = cast(v, t)
    assert x == r and type(x) is rt


@pytest.mark.parametrize("v,t,msg,exc", [
    (None, "int", "Cannot convert null value to int", NullError),
    ("", "int", "Empty String cannot be cast", JactlRuntimeError),
    ("abc", "int", "cannot be cast", JactlRuntimeError),
    (True, "int", "cannot convert", JactlRuntimeError),
    (1, "List", "cannot be cast", JactlRuntimeError),
    (1, "List", "Cannot convert from int to List", JactlRuntimeError),
    (1, "Map", "cannot be cast", JactlRuntimeError),
    (1, "String", "Cannot convert", JactlRuntimeError),
    ([1], "int", "cannot be cast to int", JactlRuntimeError),
])
def test_cast_errors(v, t, msg, exc):
    with pytest.raises(exc) as e:
        cast(v, t)
    assert msg.lower() in str(e.value).lower()


def test_cast_references():
    lst = [1]
    assert cast(lst, "List") is lst
    assert cast(None, "List") is None
    assert cast("x", "String") == "x"
    assert cast(None, "String") is None
    assert cast([], "boolean") is False
    assert cast(5, "def") == 5


@pytest.mark.parametrize("v,t,r,rt", [
    (1.5, "int", 1, int), (Long(1), "int", 1, int), ("a", "int", 97, int),
    (1, "long", 1, Long), (1, "Decimal", D(1), Decimal), (D("1.5"), "double", 1.5, float),
    (1, "boolean", True, bool), ([], "boolean", False, bool), ({"a": 1}, "boolean", True, bool),
    (Byte(1), "boolean", True, bool), (250, "byte", 250, Byte), (0.1, "Decimal", D("0.1"), Decimal),
])
def test_convert(v, t, r, rt):
    x = convert(v, t)
    assert x == r and type(x) is rt


def test_convert_errors():
    with pytest.raises(JactlRuntimeError, match="Cannot convert object of type int to String"):
        convert(1, "String")
    with pytest.raises(NullError, match="Cannot convert null value to int"):
        convert(None, "int")
    with pytest.raises(JactlRuntimeError, match="(?i)cannot convert from int to list"):
        convert(1, "List")
    with pytest.raises(JactlRuntimeError, match="(?i)cannot convert from int to map"):
        convert(1, "Map")
    with pytest.raises(JactlRuntimeError, match="(?i)cannot be cast"):
        convert("Abc", "int")
    with pytest.raises(JactlRuntimeError, match="(?i)cannot be cast"):
        convert("Abc", "Decimal")
    with pytest.raises(JactlRuntimeError, match="(?i)cannot convert"):
        convert([[Long(1), 2.0, D("3.0")]], "String[][]")
    with pytest.raises(JactlRuntimeError, match="(?i)cannot convert"):
        convert(JArray("int[]", [JArray("int", [1])]), "int[]")


def test_convert_arrays():
    a = convert([[Long(1), 2.0, D("3.0")]], "int[][]")
    assert type(a) is JArray and a.elem == "int[]"
    assert a[0] == [1, 2, 3] and a[0].elem == "int" and type(a[0][0]) is int
    b = JArray("int", [1])
    assert convert(b, "int[]") is b
    bb = convert(JArray("int", [1, 2]), "byte[]")
    assert bb.elem == "byte" and all(type(x) is Byte for x in bb)
    assert convert(JArray("int", [1]), "List") == [1]


@pytest.mark.parametrize("v,t,r,rt", [
    ("123", "int", 123, int), ("12.5", "Decimal", D("12.5"), Decimal), (3.7, "int", 3, int),
    ("123", "long", 123, Long), ("1.5", "double", 1.5, float), (1, "String", "1", str),
    ([1, 2, 3], "String", "[1, 2, 3]", str), ({}, "String", "[:]", str),
    (Long(1), "Decimal", D(1), Decimal), (1.0, "Decimal", D("1.0"), Decimal),
    (D("1.0"), "byte", 1, Byte), ("1", "byte", 1, Byte),
])
def test_as_scalar(v, t, r, rt):
    x = as_type(v, t)
    assert x == r and type(x) is rt


def test_as_collections():
    assert as_type("abc", "List") == ["a", "b", "c"]
    assert as_type("", "List") == []
    assert as_type({"a": 1, "b": 2}, "List") == [["a", 1], ["b", 2]]
    assert as_type([["x", 3], ["y", 4]], "Map") == {"x": 3, "y": 4}
    assert as_type(as_type({"a": 1, "b": 2}, "List"), "Map") == {"a": 1, "b": 2}
    assert as_type({}, "List") == []
    a = as_type([1, 2, 3], "int[]")
    assert type(a) is JArray and a.elem == "int" and a == [1, 2, 3]
    s = as_type([1, 2, 3], "String[]")
    assert s == ["1", "2", "3"] and s.elem == "String"
    assert as_type([["abc", ["x", ["y"]]]], "String[]")[0] == "['abc', ['x', ['y']]]"
    d = as_type([1, -2, 3], "double[]")
    assert d == [1.0, -2.0, 3.0] and all(type(x) is float for x in d)
    bs = as_type("abc", "byte[]")
    assert bs == [97, 98, 99] and bs.elem == "byte"
    assert as_type(JArray("byte", [Byte(97), Byte(98), Byte(99)]), "String") == "abc"
    assert as_type(JArray("boolean", [True, False]), "List") == [True, False]
    nested = as_type([[1, 2], [2], [3, 4, 5]], "int[][]")
    assert nested.elem == "int[]" and nested[2].elem == "int"


@pytest.mark.parametrize("v,t,msg", [
    ("abc", "int", "not a valid int"), ("89.123.123", "double", "not a valid double"),
    ("123456789123456789123456789", "long", "not a valid long"),
    ("A", "byte", "not a valid number"), (True, "byte", "Cannot coerce"),
    (1, "List", "Cannot coerce"), (1, "Map", "Cannot coerce"), ("abc", "Map", "Cannot coerce"),
])
def test_as_errors(v, t, msg):
    with pytest.raises(JactlRuntimeError) as e:
        as_type(v, t)
    assert msg.lower() in str(e.value).lower()


def test_as_null():
    with pytest.raises(NullError, match="(?i)null value"):
        as_type(None, "int")
    assert as_type(None, "String") is None


@pytest.mark.parametrize("v,t,r", [
    (1, "int", True), (1, "long", False), (Long(1), "long", True), ("a", "String", True),
    ([], "List", True), ({}, "Map", True), (None, "int", False), (True, "boolean", True),
    (True, "int", False), (1, "Object", True), (JArray("int", [1]), "List", False),
    (JArray("int", [1]), "int[]", True), (JArray("byte[]", []), "byte[][]", True),
    (Byte(1), "byte", True), (Byte(1), "int", False), (D(1), "Decimal", True),
])
def test_instance_of(v, t, r):
    assert instance_of(v, t) is r
