"""codec.loads at the edge: nesting depth and number size are bounded, and JSON numbers become
the values Jactl's own fromJson() gives."""

import json
import sys
from decimal import Decimal

import lang
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jactl_worker import codec
from jactl_worker.config import JSON_DEPTH_CEILING, Settings
from jactl_worker.errors import InvalidMessage
from lang.runtime.types import Long


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_deeply_nested_body_is_an_invalid_message_not_a_recursion_error():
    body = nested(3000)  # ~6 KB: json.loads alone raises RecursionError on it
    with pytest.raises(RecursionError):
        json.loads(body)
    with pytest.raises(InvalidMessage, match="deeper than 100 levels"):
        codec.loads(body, max_depth=100)
    with pytest.raises(InvalidMessage, match=f"deeper than {JSON_DEPTH_CEILING} levels"):
        codec.loads(body)  # the ceiling holds even where no bound is asked for


def test_the_depth_bound_is_exact_and_counts_objects_too():
    assert codec.loads(nested(100), max_depth=100) is not None
    with pytest.raises(InvalidMessage):
        codec.loads(nested(101), max_depth=100)
    assert codec.loads('{"a":{"a":{"a":1}}}', max_depth=3) == {"a": {"a": {"a": 1}}}
    with pytest.raises(InvalidMessage):
        codec.loads('[{"a":[{"a":1}]}]', max_depth=3)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps(["[" * 500, "{" * 500, '\\"[[[[[[', {"k[[[[[[": "]]]"}])
    assert codec.loads(text, max_depth=2)[0] == "[" * 500
    # an escaped quote does not end the string; an escaped backslash before a quote does
    assert codec.loads(r'["\"[[[[", "\\", [1]]', max_depth=2) == ['"[[[[', "\\", [1]]
    with pytest.raises(InvalidMessage, match="deeper"):
        codec.loads(r'["\\", [[[1]]]]', max_depth=3)


def test_an_unterminated_string_full_of_brackets_is_not_json():
    with pytest.raises(InvalidMessage, match="not JSON"):
        codec.loads('["abc' + "[" * 5000, max_depth=10)


def _depth(v) -> int:
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    return 0


tricky_text = st.text(alphabet='[]{}"\\ab,:é\n', max_size=12)
json_trees = st.recursive(
    st.none() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=30,
)


@given(json_trees, st.integers(min_value=0, max_value=8), st.booleans())
def test_too_deep_agrees_with_the_real_depth(value, limit, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert codec.too_deep(text, limit) == (_depth(value) > limit)


def test_the_depth_check_is_cheap_next_to_parsing():
    # 1 MiB of small objects: the check must not cost more than the parse it protects
    import time
    unit = json.dumps({"id": 12345, "name": "item-[x]", "tags": ["a", "b"], "p": {"x": 1.5, "y": [1, 2]}})
    text = "[" + ",".join([unit] * ((1 << 20) // (len(unit) + 1))) + "]"
    t = time.perf_counter()
    for _ in range(3):
        codec.too_deep(text, 100)
    check = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(3):
        json.loads(text)
    parse = time.perf_counter() - t
    assert check < parse, (check, parse)


def test_huge_numbers_are_refused_at_the_edge_and_kept_exact_inside():
    s = Settings()
    edge = dict(max_depth=s.max_json_depth, max_number_digits=s.max_json_number_digits)
    for text in ('{"n": 1e1000000}', "1E+1001", "-1e1000", "0." + "0" * 1000 + "1", "9" * 1001):
        with pytest.raises(InvalidMessage, match="too large"):
            codec.loads(text, **edge)
    # what a double or a long can hold passes with room to spare
    assert codec.loads("[1.7976931348623157e308, 4.9e-324, -9223372036854775808]", **edge)[0] == Decimal(
        "1.7976931348623157e308")
    assert codec.loads("1e999", **edge) == Decimal("1e999")
    # values the fleet wrote itself (a script's Decimal result) are read back as they are
    assert codec.loads(codec.dumps(Decimal("1E+1000000"))) == Decimal("1E+1000000")
    with pytest.raises(InvalidMessage, match="beyond what a Decimal can hold"):
        codec.loads("1e99999999999999999999")


def test_nan_and_infinity_words_are_not_json_numbers():
    for word in ("NaN", "[Infinity]", '{"a": -Infinity}'):
        with pytest.raises(InvalidMessage, match="is not a JSON number"):
            codec.loads(word)


def test_whole_numbers_are_int_long_or_decimal_as_in_jactl_from_json():
    assert type(codec.loads("2147483647")) is int
    v = codec.loads("3000000000")
    assert type(v) is Long and v == 3_000_000_000
    assert type(codec.loads("-9223372036854775808")) is Long
    assert codec.loads("9223372036854775808") == Decimal("9223372036854775808")
    assert codec.loads("1" + "0" * 5000) == Decimal("1e5000")  # beyond int()'s digit limit
    # and a script sees them as Jactl does (an int would wrap at 32 bits)
    assert lang.eval("n + 1", {"n": codec.loads("3000000000")}) == 3_000_000_001
    assert lang.eval("n instanceof long", {"n": codec.loads("3000000000")}) is True
    assert lang.eval("n.className()", {"n": codec.loads("1" + "0" * 30)}) == "Decimal"


def test_bytes_that_are_not_utf8_are_an_invalid_message():
    with pytest.raises(InvalidMessage, match="not UTF-8"):
        codec.loads(b'"\xff"')


def test_settings_bound_the_depth_by_the_ceiling():
    with pytest.raises(ValueError, match="max_json_depth"):
        Settings(max_json_depth=JSON_DEPTH_CEILING + 1)
    with pytest.raises(ValueError, match="max_deliveries"):
        Settings(max_deliveries=0)
    # the ceiling leaves the parser room below Python's recursion limit
    assert JSON_DEPTH_CEILING + 200 < sys.getrecursionlimit()
