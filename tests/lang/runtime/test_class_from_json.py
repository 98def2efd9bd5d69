"""Every class has a static fromJson(text)."""

import pytest

import lang


@pytest.mark.parametrize("src, want", [
    ("class X { int i; }; X.fromJson('{\"i\":3}').i", 3),
    ("class X { int i; int j = 2 }; X.fromJson('{\"i\":3}').j", 2),
    ("class X { int i; }; X.fromJson('null')", None),
    ("class Y { int i }; class X { int i; Y[] y }; "
     "X.fromJson('{\"i\":3,\"y\":[{\"i\":1},{\"i\":2}]}').y[1].i", 2),
    ("class X { int i = sleep(0,1); long j = 2 }; X.fromJson('{\"i\":4}').j", 2),
])
def test_from_json(src, want):
    assert lang.eval(src) == want


@pytest.mark.parametrize("src, error", [
    ("class X { int i; X x }; X.fromJson('{\"i\":3}')", "Missing mandatory field(s): x"),
    ("class X { int i }; X.fromJson('{\"i\":3,\"i\":4}')", "Field 'i' appears multiple times"),
    ("class X { int i; int x }; X.fromJson('{\"i\":3,\"x\":null}')",
     "Integer value cannot be null"),
])
def test_from_json_errors(src, error):
    with pytest.raises(lang.JactlRuntimeError, match=error.replace("(", r"\(").replace(")", r"\)")):
        lang.eval(src)


@pytest.mark.parametrize("text", [
    "[" * 200000,                       # deep nesting: the C decoder and the parser both give up
    "[" * 200000 + "]" * 200000,
    '{"i": 1, "i": ' + "[" * 100000 + "}",
    '{"i": NaN}',
])
def test_hostile_json_is_a_clean_error(text):
    with pytest.raises(lang.JactlRuntimeError):
        lang.eval("class X { int i }; X.fromJson(t)", {"t": text})
    if text.startswith("["):
        with pytest.raises(lang.JactlRuntimeError):
            lang.eval("t.fromJson()", {"t": text})


@pytest.mark.parametrize("src, error", [
    ("class X { int[] a }; X.fromJson('{\"a\":[1,\"abc\",3]}').a", "Invalid character in JSON"),
    ("class X { long[][] a }; X.fromJson('{\"a\":[[1],[true]]}').a", "Invalid character in JSON"),
    ("class X { boolean[] a }; X.fromJson('{\"a\":[0,1,2]}').a", "Invalid JSON"),
])
def test_a_primitive_array_field_takes_only_json_of_its_element_type(src, error):
    with pytest.raises(lang.JactlRuntimeError, match=error):
        lang.eval(src)


def test_primitive_array_fields_from_json():
    src = ("class X { int[] a; boolean[] b; Decimal[][] c; String[] s }; "
           "def x = X.fromJson('{\"a\":[1,2],\"b\":[true],\"c\":[[1.5],null],\"s\":[\"q\"]}'); "
           "[x.a[1], x.b[0], x.c[0][0], x.c[1], x.s[0]]")
    from decimal import Decimal
    assert lang.eval(src) == [2, True, Decimal("1.5"), None, "q"]
