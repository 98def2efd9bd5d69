"""Unit tests for lang.runtime.strings and the closure-free method registry."""

import re

import pytest

import lang
from lang.errors import JactlRuntimeError, NullError
from lang.runtime import strings as S
from lang.runtime.methods import (METHODS, has_method, invoke_method, invoke_method_named,
                                  register)
from lang.runtime.types import Byte, Decimal, JArray, Long
from lang.runtime.values import class_name

D = Decimal
L = Long
B = Byte


def same(a, b):
    return class_name(a) == class_name(b) and a == b and \
        (not isinstance(a, Decimal) or str(a) == str(b))


@pytest.mark.parametrize("args,r", [
    (("%5.2f|%d|%s|%05d", 3.14159, 42, "x", 7), " 3.14|42|x|00007"),
    (("%s", [1, 2]), "[1, 2]"), (("%d", B(200)), "200"), (("%s", "x"), "x"), (("x",), "x"),
    (("%s%d", "x", 1), "x1"), (("%,d", 1234567), "1,234,567"), (("%+d", 5), "+5"),
    (("%x", -1), "ffffffff"), (("%x", L(-1)), "ffffffffffffffff"), (("%X", 255), "FF"),
    (("%o", 8), "10"), (("%08.3f", -3.14159), "-003.142"), (("%-5s|", "ab"), "ab   |"),
    (("%e", 12345.678), "1.234568e+04"), (("%.2e", 0.000123), "1.23e-04"),
    (("%10.4f", D("2.5")), "    2.5000"), (("%(d", -5), "(5)"), (("%b", None), "false"),
    (("%b", 0), "true"), (("%c", 65), "A"), (("%%",), "%"), (("a%nb",), "a\nb"),
    (("%.1f", 0.25), "0.3"), (("%.2f", 1.005), "1.01"), (("%.0f", 2.5), "3"),
    (("%s", None), "null"), (("%S", "abc"), "ABC"), (("%2$s %1$s", "a", "b"), "b a"),
    (("%s %<s", "a"), "a a"), (("%.3s", "abcdef"), "abc"), (("%s", D("1.50")), "1.50"),
    (("%s", 1.0), "1.0"), (("%f", D("1.5")), "1.500000"), (("%g", 0.0001234), "0.000123400"),
    (("%#x", 255), "0xff"), (("% d", 5), " 5"), (("%,.2f", 1234567.891), "1,234,567.89"),
])
def test_sprintf(args, r):
    assert S.sprintf(*args) == r


@pytest.mark.parametrize("args", [("%s%d", "x", "y"), ("%zs%d", "x", "y"), ("%d",),
                                  ("%f", 1), ("%d", 1.5)])
def test_sprintf_errors(args):
    with pytest.raises(JactlRuntimeError, match="(?i)bad format string"):
        S.sprintf(*args)


def test_globals():
    u = S.uuid()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", u)
    assert type(S.timestamp()) is Long and S.timestamp() > 1600000000000
    assert type(S.nano_time()) is Long


def m(obj, name, *args):
    return invoke_method(obj, name, list(args))


@pytest.mark.parametrize("obj,name,args,r", [
    ("abc", "size", (), 3), ("", "size", (), 0), ("abc", "length", (), 3),
    ("ABC", "toLowerCase", (), "abc"), ("ABC", "toLowerCase", (0,), "ABC"),
    ("ABC", "toLowerCase", (1,), "aBC"), ("ABC", "toLowerCase", (4,), "abc"),
    ("abc", "toUpperCase", (2,), "ABc"), ("AbC.D_eF", "toUpperCase", (), "ABC.D_EF"),
    ("", "toUpperCase", (1,), ""),
    ("abc", "substring", (1,), "bc"), ("abc", "substring", (3,), ""),
    ("abcdef", "substring", (1, 4), "bcd"), ("abcdef", "substring", (-1, 6), "f"),
    ("abcdef", "substring", (-4, -2), "cd"), ("", "substring", (0, 0), ""),
    ("a,b,,c", "split", (",",), ["a", "b", "", "c"]),
    ("a1b2c3", "split", (r"\d",), ["a", "b", "c", ""]),
    ("a b  c", "split", (), ["a b  c"]), ("abc", "split", (None,), ["abc"]),
    ("abc", "split", ("",), ["a", "b", "c"]), ("abc", "split", (".",), ["", "", "", ""]),
    ("aXbXYcX", "split", ("[A-Z]+",), ["a", "b", "c", ""]),
    (":aX:bXY:cX:", "split", ("[A-Z]+", "i"), [":", ":", ":", ":"]),
    ("aX:bX\nc", "split", ("x$.", "smi"), ["aX:b", "c"]),
    ("aX:bX\nc", "split", ("x.", "is"), ["a", "b", "c"]),
    ("aX:bX\nc", "split", ("x$", "si"), ["aX:bX\nc"]),
    ("a::b:\nc", "split", (":.",), ["a", "b:\nc"]),
    ("\n\nabc\n\nxyz\n\n", "lines", (), ["", "", "abc", "", "xyz", ""]),
    ("", "lines", (), [""]), ("\n", "lines", (), [""]), (" ", "lines", (), [" "]),
    ("abc\n\nxyz\n", "lines", (), ["abc", "", "xyz"]),
    ("ff", "asNum", (16,), L(255)), ("123", "asNum", (), L(123)), ("10", "asNum", (2,), L(2)),
    ("7abcdef012345678", "asNum", (16,), L(8844188890927748728)),
    ("FFFFFFFFFFFFFFFA", "asNum", (16,), L(-6)),
    ("abc", "reverse", (), ["c", "b", "a"]), ("abc", "join", (), "abc"),
    ("abcdef", "subList", (2, 4), ["c", "d"]), ("abc", "skip", (2,), ["c"]),
    ("abc", "limit", (2,), ["a", "b"]), ("abc", "className", (), "String"),
    ('{"a":1}', "fromJson", (), {"a": 1}),
])
def test_string_methods(obj, name, args, r):
    assert m(obj, name, *args) == r


@pytest.mark.parametrize("obj,name,args,msg", [
    ("abcdef", "substring", (1, 7), "StringIndexOutOfBoundsException"),
    ("abcdef", "substring", (-7, 6), "StringIndexOutOfBounds"),
    ("abc1234", "substring", (-4, 0), "StringIndexOutOfBounds"),
    ("", "substring", (1,), "string index out of range"),
    ("abc", "substring", (4,), "string index out of range"),
    ("", "asNum", (), "empty string cannot be converted"),
    ("az", "asNum", (), "invalid character for number with base 10"),
    ("1", "asNum", (37,), "base was 37 but must be no more than 36"),
    ("1.5", "asNum", (), "invalid character"),
    ("abc", "split", ("[A-Z]+", "n"), "unexpected regex modifier 'n'"),
    ("abc", "split", ("a", "f"), "unexpected regex modifier"),
    ("abc", "split", (1,), "cannot convert argument of type int"),
    ("abc", "split", ("a", "", 1), "too many arguments"),
    ("abc", "abs", (), "no such method"), ("a", "asChar", (), "no such method"),
    ("abc", "foo", (), "No such method 'foo' for type String"),
])
def test_string_method_errors(obj, name, args, msg):
    with pytest.raises(JactlRuntimeError) as e:
        m(obj, name, *args)
    assert msg.lower() in str(e.value).lower()


@pytest.mark.parametrize("obj,name,args,r", [
    (16, "sqrt", (), 4), (2, "sqrt", (), 1.4142135623730951), (B(4), "sqrt", (), 2),
    (L(123456789 * 123456789), "sqrt", (), 123456789), (0.1234 * 0.1234, "sqrt", (), 0.1234),
    (D("152415787526596567801.00"), "sqrt", (), D("12345678901")),
    (10, "pow", (3,), 1000), (-4, "pow", (-1,), -0.25), (4, "pow", (D("0.5"),), 2),
    (16, "pow", (D("-0.5"),), 0.25), (D("4.0"), "pow", (3,), D("64.000")),
    (D("-4.0"), "pow", (-1,), D("-0.25")), (D("16.0"), "pow", (D("-0.5"),), D("0.25")),
    (D("4.0"), "pow", (D("0.5"),), D("2.0")), (L(4), "pow", (3,), L(64)),
    (L(1234567890 * 1234567890), "pow", (D("0.5"),), L(1234567890)), (B(252), "pow", (1,), 252),
    (4.0, "pow", (D("0.5"),), 2.0), (0.0, "pow", (0,), 1.0), (L(4), "pow", (0,), L(1)),
    (-4, "sqr", (), 16), (L(-4), "sqr", (), L(16)), (B(254), "sqr", (), 64516),
    (D("-4.01"), "sqr", (), D("16.0801")), (-4.0, "sqr", (), 16.0),
    (-1, "abs", (), 1), (B(255), "abs", (), B(255)), (L(-1), "abs", (), L(1)),
    (D("-1.0"), "abs", (), D("1.0")), (-1.0, "abs", (), 1.0),
    (97, "asChar", (), "a"), (B(97), "asChar", (), "a"),
    (-6, "toBase", (16,), "FFFFFFFA"), (L(-6), "toBase", (16,), "FFFFFFFFFFFFFFFA"),
    (B(250), "toBase", (16,), "FA"), (12, "toBase", (2,), "1100"),
    (L(123456789), "toBase", (36,), "21I3V9"), (0b1010101, "toBase", (16,), "55"),
    (1, "toString", (), "1"), (1.0, "toString", (), "1.0"), (B(1), "className", (), "byte"),
])
def test_number_methods(obj, name, args, r):
    assert same(m(obj, name, *args), r), m(obj, name, *args)


@pytest.mark.parametrize("obj,name,args,msg", [
    (-1, "sqrt", (), "Attempt to take square root of negative number: -1"),
    (D("-1.0"), "sqrt", (), "square root of negative number"),
    (-4, "pow", (D("0.5"),), "illegal request"), (D("-4.0"), "pow", (D("0.5"),), "illegal request"),
    (-4.0, "pow", (D("0.5"),), "illegal request"),
    (123456789, "toBase", (1,), "base must be between 2 and 36"),
    (L(123456789), "toBase", (37,), "base must be between 2 and 36"),
    (1.0, "toBase", (10,), "no such method"), (L(1), "asChar", (), "no such method"),
    (1, "length", (), "no such method"),
])
def test_number_method_errors(obj, name, args, msg):
    with pytest.raises(JactlRuntimeError) as e:
        m(obj, name, *args)
    assert msg.lower() in str(e.value).lower()


@pytest.mark.parametrize("obj,name,args,r", [
    ([1, 2, 3], "sum", (), 6), ([1, L(2), 3], "sum", (), L(6)), ([1, D("2.5"), 3], "sum", (), D("6.5")),
    ([], "sum", (), 0), ([1.0, 2, 3], "sum", (), 6.0), ([B(255), B(2), B(3)], "sum", (), 260),
    ([1, 2, 3], "avg", (), D("2")), ([1, 2, 4], "avg", (), D("2.3333333333")),
    ([1, 2], "avg", (), D("1.5")), ([1, 2, 3], "size", (), 3), ({"a": 1}, "size", (), 1),
    (2, "size", (), L(2)), (B(2), "size", (), L(2)), (JArray("int", [1, 2]), "size", (), 2),
    ([1, 2, 3], "join", (":",), "1:2:3"), ([], "join", ("x",), ""), ({}, "join", ("",), ""),
    ({"x": 1, "y": 2}, "join", (",",), "['x', 1],['y', 2]"),
    ([{"x": 1}, {"y": 2}], "join", (", ",), "[x:1], [y:2]"),
    (JArray("double", [1.0, 2.0]), "join", (",",), "1.0,2.0"),
    ([1, 2, 3], "reverse", (), [3, 2, 1]), (3, "reverse", (), [2, 1, 0]), ([], "reverse", (), []),
    ([1, 2, 3, 4, 5], "subList", (2,), [3, 4, 5]), ([1, 2, 3, 4, 5], "subList", (2, 4), [3, 4]),
    ([1, 2, 3, 4, 5], "subList", (-2, -1), [4]), ([1, 2, 3, 4, 5], "subList", (-5,), [1, 2, 3, 4, 5]),
    ([1, 2, 3], "subList", (1, -1), [2]), (10, "subList", (5, 8), [5, 6, 7]),
    ({"a": 1, "b": 2, "c": 3}, "subList", (1,), [["b", 2], ["c", 3]]),
    ([1, 2, 3, 4], "skip", (-3,), [2, 3, 4]), ([1, 2, 3], "skip", (4,), []),
    ([1, 2, 3], "skip", (-4,), [1, 2, 3]), ([1, 2, 3], "limit", (-2,), [1]),
    ([1, 2, 3], "limit", (-4,), []), ([1, 2, 3], "limit", (4,), [1, 2, 3]),
    ([1, 2, 3, 4], "limit", (D("1.123"),), [1]), ([1, 2, 3, 4], "limit", (L(1),), [1]),
    ([2, 2, 1, 1, 2], "unique", (), [2, 1, 2]), ([1, 1], "unique", (), [1]), ([], "unique", (), []),
    ([1, 2, 3], "grouped", (2,), [[1, 2], [3]]), ([1, 2], "grouped", (0,), [1, 2]),
    ([], "grouped", (2,), []), ([1, 2, 3, 4], "windowSliding", (2,), [[1, 2], [2, 3], [3, 4]]),
    ([1, 2, 3], "windowSliding", (4,), [[1, 2, 3]]), ([1, 2], "windowSliding", (0,), [1, 2]),
    ([], "windowSliding", (1,), []), ([1, 2], "windowed", (1,), [[1], [2]]),
    ([[1, 2, 3], [2]], "transpose", (), [[1, 2], [2, None], [3, None]]),
    ([[1, 2], [3, 4], [5, 6]], "transpose", (), [[1, 3, 5], [2, 4, 6]]), ([], "transpose", (), []),
    ([{"a": 1}, {"b": 2}], "transpose", (), [[["a", 1], ["b", 2]]]),
    ([], "add", (1,), [1]), ([], "add", ([],), [[]]), ([2, 1, 3], "addAt", (-1, 4), [2, 1, 4, 3]),
    ([1, 2, 3], "remove", (1,), 2), ([2], "remove", (-1,), 2), ([1, None, 2], "remove", (1,), None),
    ({"a": 1}, "remove", ("a",), 1), ({"b": 2}, "remove", ("a",), None), ({"a": 1}, "get", ("a",), 1),
    ({}, "put", ("a", 1), {"a": 1}), ({"a": 1}, "putAll", ({"b": 2},), {"a": 1, "b": 2}),
    ([1, 2, 3], "toString", (), "[1, 2, 3]"), ({}, "toString", (), "[:]"),
    ({"a": 1}, "toJson", (), '{"a":1}'), ([], "className", (), "List"),
])
def test_collection_methods(obj, name, args, r):
    assert same(m(obj, name, *args), r), m(obj, name, *args)


def test_add_mutates():
    x = []
    assert m(x, "add", 1) is x and x == [1]
    y = {"a": 1, "b": 2}
    m(y, "remove", "a")
    assert y == {"b": 2}


@pytest.mark.parametrize("obj,name,args,msg,exc", [
    ([], "avg", (), "Empty list for avg", JactlRuntimeError),
    (["abc"], "avg", (), "non-numeric element in list", JactlRuntimeError),
    ([], "remove", (0,), "too large", JactlRuntimeError),
    ([2], "remove", (-2,), "out of bounds", JactlRuntimeError),
    ([1, 2, 3, 4, 5], "subList", (-6,), "indexoutofbounds", JactlRuntimeError),
    ([1, 2, 3, 4, 5], "subList", (4, 6), "indexoutofbounds", JactlRuntimeError),
    ([1, 2, 3, 4, 5], "subList", (-2, 0), "IllegalArgument", JactlRuntimeError),
    ([1, 2, 3, 4, 5], "subList", (B(254),), "IllegalArgument", JactlRuntimeError),
    ([1, 2, 3, 4, 5], "subList", (1, B(254)), "IndexOutOfBounds", JactlRuntimeError),
    ([1, 2], "grouped", (-1,), "value for grouped() must be >= 0", JactlRuntimeError),
    ([1, 2, 3], "windowed", (-1,), "window size must be >= 0", JactlRuntimeError),
    ([1], "transpose", (), "must be list", JactlRuntimeError),
    (["abc"], "transpose", (), "must be list", JactlRuntimeError),
    ([1, 2, 3, 4], "limit", ("123",), "cannot be cast", JactlRuntimeError),
    ([1, 2, 3], "length", (), "no such method", JactlRuntimeError),
    ([], "lines", (), "no such method", JactlRuntimeError),
    (None, "size", (), "Tried to invoke method on null value", NullError),
])
def test_collection_method_errors(obj, name, args, msg, exc):
    with pytest.raises(exc) as e:
        m(obj, name, *args)
    assert msg.lower() in str(e.value).lower()


def test_named_args():
    assert invoke_method_named("abcdef", "substring", {"start": 1, "end": 6}) == "bcdef"
    assert invoke_method_named("aa", "asNum", {"base": 16}) == 170
    assert invoke_method_named("ABC", "toLowerCase", {"count": 0}) == "ABC"
    assert invoke_method_named([], "add", {"element": 1}) == [1]
    with pytest.raises(JactlRuntimeError, match="(?i)no such parameter"):
        invoke_method_named("aa", "asNum", {"basex": 16})
    with pytest.raises(JactlRuntimeError, match="(?i)missing value"):
        invoke_method_named([1], "remove", {})


def test_registry_and_has_method():
    assert has_method("abc", "size") and has_method([1], "sum") and has_method(1, "pow")
    assert not has_method("abc", "trim") and not has_method([1], "keySet")
    assert not has_method({}, "values")

    def my_twice(obj):
        return obj * 2
    register("String", "twiceTest", (), my_twice)
    try:
        assert m("ab", "twiceTest") == "abab"
    finally:
        del METHODS[("String", "twiceTest")]
    assert not has_method("ab", "twiceTest")


def test_to_string_indent():
    s = m({"a": 1, "b": [1, {"c": 2}]}, "toString", 2)
    assert s == "[\n  a: 1,\n  b: [\n    1,\n    [\n      c: 2\n    ]\n  ]\n]"


@pytest.mark.parametrize("src", ["String x; x['a'] += 'abc'", "String x = 'abc'; x[0] = 'b'"])
def test_storing_into_a_typed_string_is_a_compile_error(src):
    with pytest.raises(lang.CompileError, match=r"Invalid object type \(String\) for storing"):
        lang.eval(src)
