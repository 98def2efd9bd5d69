"""The speed suite's programs compute what their CPython twins compute.

bench/bench_lang.py times each Jactl program in bench/programs against a CPython twin; a
ratio means nothing if the two disagree. Here every pair runs on its small QUICK_N input,
plainly and with a checkpoint after every statement, so the suite's ordinary programs also
check that real-looking code survives being serialized at any statement. A program with a
known lang bug carries XFAIL (the reason) in its twin; it is xfailed strictly, so a fix
shows up as an XPASS failure that asks for the marker to go.
"""

import importlib.util
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import pytest

import lang

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_lang.py"


def _load_bench():
    # bench/ is a folder of scripts, not a package: load the runner by path so the test
    # and the suite share one loader and one notion of "equal results".
    spec = importlib.util.spec_from_file_location("bench_lang", _BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_lang", module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
PROGRAMS = bench.load_programs()

# Scripts that are a single top-level statement have no statement boundary to suspend at
# (their functions are single expressions), so the checkpointing run never suspends.
SINGLE_STATEMENT = {"fib_int", "fib_def", "pipeline_range"}

# lang.eval's own checkpoint_each_statement mode compiles the script afresh in a new
# Context for every statement (~50-100 ms each), so only the programs that run few
# statements on QUICK_N go through it; _run_checkpointed covers every program.
EVAL_MODE_PROGRAMS = {"fib_int", "loop_int", "loop_def", "list_map_pipeline", "sort_records",
                      "json_roundtrip"}


def _params(programs):
    params = []
    for p in programs:
        marks = [pytest.mark.xfail(reason=p.xfail, strict=True)] if p.xfail else []
        params.append(pytest.param(p, id=p.name, marks=marks))
    return params


def _expected(program):
    return program.run_python(program.quick_n)


def _check(program, value):
    if program.xfail:
        warnings.warn(f"{program.name} is known to fail in lang: {program.xfail}")
    assert bench.results_equal(value, _expected(program)), \
        f"{program.name}: jactl={value!r} python={_expected(program)!r}"


def _run_checkpointed(source, globals_):
    """Run with a checkpoint after every statement; each one's bytes are restored into
    the *other* of two Contexts, so nothing but the bytes carries state from one
    statement to the next. Returns (value, number of suspensions)."""
    contexts = [lang.Context(), lang.Context()]
    scripts = [c.compile(source, name="bench", globals=list(globals_),
                         checkpoint_each_statement=True) for c in contexts]
    outcome = scripts[0].start(globals_)
    current, suspends = 0, 0
    while isinstance(outcome, lang.Suspended):
        assert outcome.request.kind == "checkpoint", outcome.request
        data = lang.Checkpointer.save(outcome.continuation)
        current ^= 1
        suspends += 1
        outcome = lang.Restorer.restore(contexts[current], data).resume(None)
    return outcome.value, suspends


def test_suite_covers_the_issue_table():
    names = {p.name for p in PROGRAMS}
    assert len(PROGRAMS) >= 18
    # typed and untyped variants of the same program
    for family in ("long_loop", "sieve", "classes", "closures", "wordcount"):
        assert {f"{family}_typed", f"{family}_def"} <= names, family
    assert {"fib_int", "fib_def"} <= names
    # the original five stay in the suite
    assert {"fib_int", "fib_def", "loop_int", "loop_def", "pipeline_range"} <= names
    assert max(len(p.source.splitlines()) for p in PROGRAMS) >= 100
    for p in PROGRAMS:
        assert p.quick_n > 0 and p.n > p.quick_n, p.name
        assert "n" in p.source, p.name


@pytest.mark.parametrize("program", _params(PROGRAMS))
def test_plain_run_equals_python_twin(program):
    _check(program, lang.eval(program.source, {"n": program.quick_n}))


@pytest.mark.parametrize("program", _params(PROGRAMS))
def test_checkpointed_run_equals_python_twin(program):
    value, suspends = _run_checkpointed(program.source, {"n": program.quick_n})
    if program.name not in SINGLE_STATEMENT:
        assert suspends > 0, "checkpoint_each_statement never suspended"
    _check(program, value)


@pytest.mark.parametrize("program",
                         _params([p for p in PROGRAMS if p.name in EVAL_MODE_PROGRAMS]))
def test_eval_checkpoint_each_statement_equals_python_twin(program):
    _check(program, lang.eval(program.source, {"n": program.quick_n},
                              checkpoint_each_statement=True))


def test_results_equal_accepts_the_same_value_through_jactl():
    value = lang.eval("[3L, 1.50, 2.5D, 'x', null, [b:true, a:[1]]]")
    assert bench.results_equal(value, [3, Decimal("1.50"), 2.5, "x", None, {"b": True, "a": [1]}])


@pytest.mark.parametrize("jactl_value, python_value", [
    (Decimal("1.5"), 1.5),                       # Decimal where the twin has a float
    (1, True),                                   # int where the twin has a boolean
    (Decimal("1.5"), Decimal("1.50")),           # lost scale
    ({"b": 2, "a": 1}, {"a": 1, "b": 2}),        # map entries out of insertion order
    ([1, 2.0], [1, 2]),                          # nested double where the twin has an int
    ("1", 1),
])
def test_results_equal_rejects_a_different_kind_of_value(jactl_value, python_value):
    assert not bench.results_equal(jactl_value, python_value)
