"""A regex that backtracks catastrophically cannot hold the process: every match runs on
the ``regex`` package with a timeout (``max_regex_ms``, or what is left of the execution
time limit)."""

import time

import pytest

import lang

# hard even for the regex package's backtracking guards
EVIL = "'" + "a" * 40 + "!' =~ /(a|aa)+$/"


def test_catastrophic_backtracking_is_stopped_with_a_position():
    ctx = lang.Context(max_regex_ms=200)
    t = time.monotonic()
    with pytest.raises(lang.LimitError, match=r"Regex evaluation exceeded 200 ms "
                                              r"\(max_regex_ms\) @ line 2, column 1"):
        ctx.compile("def x = 1\n" + EVIL).start({})
    assert time.monotonic() - t < 5


def test_the_example_of_the_finding_finishes_quickly():
    # (a+)+$ on 26 a's and a '!' ran for tens of seconds in Python's re
    t = time.monotonic()
    assert lang.eval("'" + "a" * 26 + "!' =~ /(a+)+$/") is False
    assert time.monotonic() - t < 2


def test_execution_time_limit_bounds_a_regex_too():
    ctx = lang.Context(max_execution_ms=150, max_regex_ms=60000)
    t = time.monotonic()
    with pytest.raises(lang.LimitError, match="Execution time exceeded limit of 150 ms"):
        ctx.compile(EVIL).start({})
    assert time.monotonic() - t < 5


@pytest.mark.parametrize("src", [
    "('" + "a" * 40 + "!').split(/(a|aa)+$/)",
    "def s = '" + "a" * 40 + "!'; s =~ s/(a|aa)+$/x/",
    "def n = 0; while ('" + "a" * 40 + "!' =~ /(a|aa)+$/g) { n++ }; n",
])
def test_split_substitute_and_global_match_are_bounded(src):
    ctx = lang.Context(max_regex_ms=200)
    with pytest.raises(lang.LimitError, match="Regex evaluation exceeded"):
        ctx.compile(src).start({})


def test_ordinary_regex_behaviour_is_unchanged():
    assert lang.eval("'abc 123-456' =~ /(\\d+)-(\\d+)/ ? [$1, $2] : null") == ["123", "456"]
    assert lang.eval("'a,b,,c'.split(/,/)") == ["a", "b", "", "c"]
    assert lang.eval("def s = 'hello world'; s =~ s/o/0/g; s") == "hell0 w0rld"
