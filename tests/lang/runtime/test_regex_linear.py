"""Regexes proved to backtrack at most linearly run on Python's ``re`` without a timeout
(runtime/regex_linear.py); everything else keeps the timed ``regex`` path, so catastrophic
patterns are still stopped (test_regex_limits.py)."""

import time

import pytest
import regex

import lang
from lang.runtime import regex as R
from lang.runtime.regex_linear import UNANCHORED_MAX, linear
from lang.runtime.strings import java_regex_to_python

LOG = r"^(\d{4})-(\d\d)-(\d\d) (\w+) \[(\w+)\] id=([\w-]+) took (\d+)ms$"


@pytest.mark.parametrize("pattern, anchored", [
    (LOG, True),
    (r"(\w+)=(\w+)", False),
    (r"[a-z]+\d+", False),
    (r"(\d+)-(\d+)", False),
    (r"(ab|ac)d", False),
    (r"\d+", False),
    (r"\Aabc", True),
    (r"x?y*z", False),
])
def test_linear_patterns_are_proved(pattern, anchored):
    r = linear(pattern, 0)
    assert r is not None and r[1] is anchored


@pytest.mark.parametrize("pattern, flags", [
    (r"(a+)+b", 0),          # nested quantifiers: exponential
    (r"(a|aa)+$", 0),        # quantified alternation
    (r"\w+x", 0),            # x is a word character: the quantifier has choices
    (r"a*a*b", 0),           # polynomial
    (r".*foo", 0),
    (r"\s+$", 0),            # $ also matches before a newline, which \s matches
    (r"(?i)K+k", 0),
    (r"\u212a+k", 2),        # (IGNORECASE: the Kelvin sign folds to k)
    (r"(\w)\1", 0),          # back reference
    (r"(?=a)a+b", 0),        # lookaround
    (r"x{e<=1}", 0),         # regex reads fuzzy matching, re literal text
    (r"[[:alpha:]]+1", 0),   # regex reads a POSIX class, re a set
    (r"^ab^^^^^(", 0),       # not a pattern at all
    (r"(?:ab)+c", 0),        # repeated group
])
def test_other_patterns_are_not_proved(pattern, flags):
    assert linear(pattern, flags) is None


@pytest.mark.parametrize("pattern, flags, subject", [
    (LOG, "", "2024-03-05 INFO [auth] id=req-12 took 345ms"),
    (LOG, "", "2024-03-05 INFO [auth] id=req-12 took 345ms\n"),
    (LOG, "", "2024-03-05 INFO [auth] id=req-12 took ms"),
    (r"(\w+)=(\w+)", "", "  a=b c=d"),
    (r"(\w+)=(\w+)", "i", "  A=b"),
    (r"^b$", "m", "a\nb\nc"),
    (r"a.c", "s", "a\nc"),
    (r"(\d+)-(\d+)", "n", "x 12-0034 y"),
    (r"[A-Z]+\d", "i", "xyz abc1"),
    (r"(ab|ac)d", "", "abacd"),
])
def test_untimed_results_are_the_timed_ones(pattern, flags, subject):
    assert R._untimed(pattern, flags, subject) is not None
    fast = R.find(subject, pattern, flags)
    rx = R._compile(pattern, flags)
    m = rx.search(subject, timeout=5)
    assert fast == (R._groups(m, flags) if m is not None else None)


def test_untimed_path_only_for_ascii_and_short_unanchored_subjects():
    assert R._untimed(r"(\w+)=(\w+)", "", "a=b") is not None
    assert R._untimed(r"(\w+)=(\w+)", "", "\u00e9=b") is None         # not ASCII
    assert R._untimed(r"(\w+)=(\w+)", "", "a" * UNANCHORED_MAX + "=b") is None
    assert R._untimed(r"^(\w+)=(\w+)", "", "a" * 100_000 + "=b") is not None
    assert R._untimed(r"(a|aa)+$", "", "aa") is None


def test_non_ascii_subjects_keep_regex_semantics():
    # (\w of the regex package includes combining marks, re's does not)
    s = "e\u0301x"
    assert lang.eval(f"'{s}' =~ /^\\w+x$/") is bool(
        regex.search(java_regex_to_python(r"^\w+x$"), s, flags=regex.VERSION0))


@pytest.mark.parametrize("sep", ["\x1c", "\x1f"])
def test_space_classes_keep_regex_semantics_on_ascii_separators(sep):
    # re's \s (str.isspace) matches 0x1C-0x1F, the regex package's (White_Space) does not
    assert R._untimed(r"^a\sb$", "", "a" + sep + "b") is None
    assert R._untimed(r"^a\sb$", "", "a b") is not None
    assert R.find("a" + sep + "b", r"^a\sb$") is None
    assert R.find("a" + sep + "b", r"^a\Sb$") == ["a" + sep + "b"]
    assert R.find("a b", r"^a\sb$") == ["a b"]


def test_long_unanchored_subject_is_still_bounded():
    # \w+ y on a long run of word characters is quadratic: over UNANCHORED_MAX the timed
    # path runs it
    ctx = lang.Context(max_regex_ms=300)
    t = time.monotonic()
    try:
        ctx.compile("('a' * 200000) =~ /\\w+ y/").start({})
    except lang.LimitError:
        pass
    assert time.monotonic() - t < 5


def test_matching_in_a_loop_with_captures():
    src = """
    def out = []
    for (line in ['a=1', 'b=22', 'bad', 'c=333']) {
      if (line =~ /^(\\w)=(\\d+)$/) { out <<= $1 + ($2 as int) } else { out <<= '-' }
    }
    out"""
    assert lang.eval(src) == ["a1", "b22", "-", "c333"]
    assert lang.eval(src, {}, checkpoint_each_statement=True) == ["a1", "b22", "-", "c333"]
