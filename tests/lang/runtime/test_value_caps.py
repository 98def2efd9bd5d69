"""Values cannot amplify (finding 5): every builtin or operator that can build a value
without bound in one C call measures the result first against ``max_value_bytes``, and
Decimals are bounded in digits and exponent, so nothing runs for seconds in one call."""

import time

import pytest

import lang

CAP = 1 << 20


def run(src, ctx=None, globals=None):
    ctx = ctx or lang.Context(max_value_bytes=CAP)
    return ctx.compile(src).start({} if globals is None else globals).value


def refused(src, match="max_value_bytes", ctx=None, seconds=3.0):
    t = time.monotonic()
    with pytest.raises(lang.LimitError, match=match) as ei:
        run(src, ctx)
    assert time.monotonic() - t < seconds, src
    return ei.value


@pytest.mark.parametrize("src", [
    "'x' * 1000000000",
    "'xy' * (600000 as Decimal)",
    "def s = 'ab'; for (int i = 0; i < 40; i++) { s += s }; s.size()",
    "def s = 'ab'; for (int i = 0; i < 40; i++) { s = s + s }; s.size()",
    'def s = "ab"; for (int i = 0; i < 40; i++) { s = "$s$s" }; s.size()',
    "sprintf('%999999999d', 1)",
    "sprintf('%1000000s%1000000s', 1, 2)",
    "new int[1000000000]",
    "new int[100000][100000]",
    "1000000000.map{ it }.size()",
    "1000000000.each{ }",
    "def l = [1]; for (int i = 0; i < 40; i++) { l += l }; l.size()",
    "def l = [1]; for (int i = 0; i < 40; i++) { l = l + l }; l.size()",
    "def x = []; x[1000000000] = 1",
    "def s = 'x' * 100000; def l = []; for (int i = 0; i < 100; i++) { l.add(s) }; l.join().size()",
    "def s = 'x' * 100000; def l = []; for (int i = 0; i < 100; i++) { l.add(s) }; l.toJson().size()",
    "def s = 'x' * 100000; def l = []; for (int i = 0; i < 100; i++) { l.add(s) }; l.toString().size()",
    "def s = 'x' * 100000; def l = []; for (int i = 0; i < 100; i++) { l.add(s) }; \"$l\".size()",
    "def s = 'x' * 100000; def l = []; for (int i = 0; i < 100; i++) { l.add(s) }; sprintf('%s', l).size()",
    "[1, 2].toString(999999999)",
    "def l = [1]; for (int i = 0; i < 40; i++) { l = [l, l] }; l.toString().size()",
    "def s = 'a' * 1000; s =~ s/a/${'b' * 10000}/g",
    "1000000.windowSliding(1000)",
])
def test_amplifying_operations_are_refused(src):
    refused(src, seconds=15.0)


def test_error_names_the_limit_and_its_value():
    e = refused("'x' * 10000000")
    assert "String size of 10000000 bytes would exceed the limit of 1048576 bytes " \
           "(max_value_bytes)" in str(e)
    assert e.line == 1


def test_values_under_the_cap_are_built():
    assert run("('x' * 100000).size()") == 100000
    assert run("new int[1000].size()") == 1000
    assert run("sprintf('%5d', 42)") == "   42"
    assert len(run("10000.map{ it }.join(',')")) == 48889


def test_default_cap_is_64_mib():
    assert lang.Context().max_value_bytes == 64 * 1024 * 1024
    refused("'x' * (65 * 1024 * 1024)", ctx=lang.Context())
    assert run("('x' * (1024 * 1024)).size()", ctx=lang.Context()) == 1024 * 1024


# ---------------------------------------------------------------------------------------
# Decimals

def test_huge_json_number_fails_fast_in_fromjson():
    t = time.monotonic()
    with pytest.raises(lang.JactlRuntimeError, match="At JSON offset 6: Number out of range"):
        run("def n = '{\"n\": 1e1000000}'.fromJson().n; n as long")
    assert time.monotonic() - t < 2


def test_json_big_integer_text_is_not_an_int_conversion_bomb():
    # Python refuses int() of 4300+ digits; this used to surface as "Unexpected error"
    with pytest.raises(lang.JactlRuntimeError, match="At JSON offset 1: Number out of range"):
        run("('[' + '1' * 5000 + ']').fromJson()")
    assert run("'[12345678901234567890123]'.fromJson()[0].toString()") == \
        "12345678901234567890123"


@pytest.mark.parametrize("src", [
    "('1e1000000' as Decimal)",
    "('1' * 5000) as Decimal",
    "def x = ('1' + '0' * 100) as Decimal; for (int i = 0; i < 20; i++) { x = x * x }; \"$x\".size()",
    "(2.0).pow(100000)",
    "def x = ('1e9000' as Decimal); x / ('1e-9000' as Decimal)",
    "def x = ('1e-9000' as Decimal); x * ('1e-9000' as Decimal)",
])
def test_decimals_beyond_the_bounds_are_refused(src):
    refused(src, match="Decimal value out of range")


def test_huge_decimal_to_integer_conversion_is_fast_and_wraps_like_java():
    t = time.monotonic()
    # BigDecimal.longValue(): the low 64 bits of the integer part
    assert run("('1e30' as Decimal) as long") == 5076944270305263616
    assert run("('1e30' as Decimal) as int") == 1073741824
    assert run("('1e9999' as Decimal) as long") == 0
    assert run("('1.5e9999' as Decimal) as double") == float("inf")
    assert time.monotonic() - t < 2


def test_decimal_exponent_bound_keeps_ordinary_values():
    assert str(run("('1e9999' as Decimal) * 1")) == "1E+9999"
    assert run("(1.5).pow(100) > 0")
    assert run("'12.50' as Decimal") == run("12.50")


def test_long_integer_text_conversions_are_clean_errors():
    with pytest.raises(lang.JactlRuntimeError, match="String value is not a valid long"):
        run("('9' * 5000) as long")
    assert run("('0' * 5000 + '42') as long") == 42


def test_decimal_literal_beyond_the_bounds_is_a_compile_error():
    with pytest.raises(lang.CompileError, match=r"Decimal value out of range: .* @ line 1"):
        lang.Context().compile("def x = 1" + "0" * 3000 + ".5")
