"""Unit tests for lang.runtime.jsonfmt."""

import math

import pytest

from lang.errors import JactlRuntimeError
from lang.runtime.jsonfmt import from_json, to_json
from lang.runtime.types import Byte, Decimal, JArray, Long
from lang.runtime.values import class_name, to_string

D = Decimal


@pytest.mark.parametrize("v,s", [
    ({"a": 1, "b": [D("1.5"), "x", None, True]}, '{"a":1,"b":[1.5,"x",null,true]}'),
    ({"a": 1, "b": {"c": 2}}, '{"a":1,"b":{"c":2}}'), ([], "[]"), ({}, "{}"),
    (Byte(255), "255"), (0, "0"), (-1, "-1"), (Long(9223372036854775807), "9223372036854775807"),
    ("abc", '"abc"'), (D("1.234"), "1.234"), ({"a": None, "b": 123}, '{"a":null,"b":123}'),
    ("\u00e9", '"\\u00E9"'), ('a"b\\c', '"a\\"b\\\\c"'), ("\n\t\r\b\f", '"\\n\\t\\r\\b\\f"'),
    ("\x0b\x1f", '"\\u000B\\u001F"'), (1.5, "1.5"), (JArray("int", [1, 2]), "[1,2]"),
    (False, "false"), (D("1E+3"), "1000"), ("\U0001F600", '"\\uD83D\\uDE00"'),
])
def test_to_json(v, s):
    assert to_json(v) == s


def test_to_json_ascii_range():
    s = "".join(chr(i) for i in range(127))
    j = to_json(s)
    assert j.startswith('"\\u0000\\u0001')
    assert "\\b\\t\\n\\u000B\\f\\r\\u000E" in j
    assert j.endswith(' !\\"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`'
                      'abcdefghijklmnopqrstuvwxyz{|}~"')


@pytest.mark.parametrize("v", [math.inf, -math.inf, math.nan])
def test_to_json_non_finite(v):
    with pytest.raises(JactlRuntimeError, match="(?i)cannot encode double value"):
        to_json(v)


def test_to_json_circular():
    m = {}
    m["x"] = m
    with pytest.raises(JactlRuntimeError, match="StackOverflow"):
        to_json(m)


@pytest.mark.parametrize("s,v,t", [
    ("1", 1, "int"), ("1.2", D("1.2"), "Decimal"), ("-1.2", D("-1.2"), "Decimal"),
    ("2147483647", 2147483647, "int"), ("9223372036854775807", 9223372036854775807, "long"),
    ("-9223372036854775807", -9223372036854775807, "long"),
    ("92233720368547758071", D("92233720368547758071"), "Decimal"),
    ("-92233720368547758071", D("-92233720368547758071"), "Decimal"),
    ("-1.23456e7", D("-1.23456E+7"), "Decimal"), ("1.5e3", D(1500), "Decimal"),
    ("null", None, "null"), ("false", False, "boolean"), (" true", True, "boolean"),
    ('"abc"', "abc", "String"), ('"ab\\nc" ', "ab\nc", "String"), ('"\\\\"', "\\", "String"),
    ('"\\""', '"', "String"), (' "" ', "", "String"), ("1 ", 1, "int"), (" -1 ", -1, "int"),
    ('"\\u00e9"', "\u00e9", "String"),
])
def test_from_json_scalars(s, v, t):
    r = from_json(s)
    assert r == v and class_name(r) == t


def test_from_json_collections():
    assert from_json("[]") == [] and from_json(" [ ] ") == []
    assert from_json(" { } ") == {}
    r = from_json(" [1.2 , 2.3,-1.234 , 4 ] ")
    assert r == [D("1.2"), D("2.3"), D("-1.234"), 4] and type(r[3]) is int
    assert from_json("[ null]") == [None]
    assert from_json('["a", "b","c"]') == ["a", "b", "c"]
    r = from_json(' { "a" : [1 , 2, 3 ] , "b" :2 , "c": { "x":1234 } } ')
    assert r == {"a": [1, 2, 3], "b": 2, "c": {"x": 1234}}
    assert list(r) == ["a", "b", "c"]
    r = from_json('{"a":1.0}')
    assert to_string(r) == "[a:1.0]"
    assert from_json('{"a":[1,[4,5,6,[2]],3],"b":2}') == {"a": [1, [4, 5, 6, [2]], 3], "b": 2}


@pytest.mark.parametrize("s,msg", [
    ("[1,2", "At JSON offset 4: Unexpected end of JSON decoding list"),
    (" -", "end of json reading negative number"),
    ("-1.234e56e7", "illegally formatted number"),
    ('{"a"', "At JSON offset"), ("tru", "At JSON offset 0"), ("[1 2]", "At JSON offset"),
    ("1 2", "At JSON offset"), ("", "At JSON offset 0"),
])
def test_from_json_errors(s, msg):
    with pytest.raises(JactlRuntimeError) as e:
        from_json(s)
    assert msg.lower() in str(e.value).lower()


def test_round_trip():
    v = {"a": [1, "x", None, True, {"b": D("1.50")}], "c": Long(12345678901234)}
    assert from_json(to_json(v)) == v
