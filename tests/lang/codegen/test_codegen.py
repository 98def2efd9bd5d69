"""Generated code: deterministic (checkpoints name functions by layout hash, so the same
source must always compile to the same layout), plain Python where nothing can suspend."""

import lang


SRC = """
def fib(int n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }
def slow(x) { sleep(0, x) + fib(x) }
def total = 0
for (int i = 0; i < 5; i++) { total += slow(i) }
total
"""


def test_same_source_compiles_to_the_same_python_and_layouts():
    a = lang.Context().compile(SRC)
    b = lang.Context().compile(SRC)
    assert a.py_source == b.py_source
    assert a.hash == b.hash


def test_non_suspending_function_is_plain_python():
    src = lang.Context().compile(SRC).py_source
    fib = src.split("def _f1(")[1].split("\n_FN1")[0]
    assert "_pc" not in fib and "_Suspend" not in fib and "try:" not in fib
    slow = src.split("def _f2(")[1].split("\n_FN2")[0]
    assert "_fr=None" in slow and "_Suspend" in slow


def test_generated_lines_map_back_to_script_positions():
    ctx = lang.Context()
    s = ctx.compile("def x = 1\ndef y = 0\nx / y")
    try:
        s.start({})
    except lang.JactlError as e:
        assert "@ line 3" in str(e)
    else:
        raise AssertionError("expected a divide by zero error")


def test_script_value_survives_checkpoint_each_statement():
    assert lang.eval(SRC) == lang.eval(SRC, checkpoint_each_statement=True) == 17
