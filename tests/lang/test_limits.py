"""Context limits stop runaway scripts: one budget per instance, charged across nested
calls, closures, builtins and eval; what a script has used travels with its checkpoint, so
restoring does not reset the limits; exceptions that are not the script's propagate."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lang

ROOT = Path(__file__).resolve().parents[2]


def test_loop_limit_stops_an_infinite_loop_with_position():
    ctx = lang.Context(max_loop_iterations=50_000)
    with pytest.raises(lang.JactlError, match=r"Loop iterations exceeded .* line 1, column 12"):
        ctx.compile("def i = 0; while (true) { i++ }").start({})


def test_time_limit_stops_a_busy_script():
    ctx = lang.Context(max_execution_ms=100)
    with pytest.raises(lang.JactlError, match="Execution time exceeded"):
        ctx.compile("def f(x) { x + 1 }; def i = 0; for (;;) { i = f(i) }").start({})


def test_loop_count_survives_checkpoint_restore():
    src = "def n = 0; for (int i = 0; i < 3000; i++) { n++ }; checkpoint(); " \
          "for (int i = 0; i < 3000; i++) { n++ }; n"

    def ctx():
        c = lang.Context(max_loop_iterations=5000)
        c.compile(src)
        return c
    out = ctx().compile(src).start({})
    assert out.request.kind == "checkpoint"
    data = lang.Checkpointer.save(out.continuation)
    cont = lang.Restorer.restore(ctx(), data)
    with pytest.raises(lang.JactlError, match="Loop iterations exceeded"):
        cont.resume(None)


def test_unlimited_context_has_no_loop_counting():
    s = lang.Context().compile("def s = 0; for (int i = 0; i < 10; i++) { s += i }; s")
    assert "check_limits" not in s.py_source


# ---------------------------------------------------------------------------------------
# one budget per instance (finding 4): loops in called functions, recursion, builtins and
# eval are all charged to the same counters

def _run(ctx, src, globals=None):
    out = ctx.compile(src).start({} if globals is None else globals)
    while isinstance(out, lang.Suspended):
        out = out.continuation.resume(out.request.value)
    return out.value


def test_short_loops_in_called_functions_are_counted():
    # each activation's loop stays under the old 1024-iteration check interval
    ctx = lang.Context(max_loop_iterations=50_000)
    src = "def f() { for (int i = 0; i < 1000; i++) {} }; for (int i = 0; i < 100; i++) { f() }"
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded limit of 50000"):
        _run(ctx, src)


def test_three_nested_function_levels_are_counted():
    ctx = lang.Context(max_loop_iterations=100_000)
    src = """
        def c() { for (int i = 0; i < 100; i++) {} }
        def b() { for (int i = 0; i < 100; i++) { c() } }
        def a() { for (int i = 0; i < 100; i++) { b() } }
        a()"""
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded"):
        _run(ctx, src)


def test_recursion_without_loops_is_counted():
    ctx = lang.Context(max_loop_iterations=10_000)
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded"):
        _run(ctx, "def fib(n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }; fib(25)")


def test_time_limit_stops_recursion_without_loops():
    ctx = lang.Context(max_execution_ms=100)
    t = time.monotonic()
    with pytest.raises(lang.LimitError, match="Execution time exceeded limit of 100 ms"):
        _run(ctx, "def fib(n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }; fib(40)")
    assert time.monotonic() - t < 5


def test_limit_is_exact():
    ctx = lang.Context(max_loop_iterations=5000)
    # the script body's entry, 4998 iterations and the test that ends the loop: 5000 units
    assert _run(ctx, "def n = 0; while (n < 4998) { n++ }; n") == 4998
    with pytest.raises(lang.LimitError):
        _run(ctx, "def n = 0; while (n < 4999) { n++ }; n")


def test_builtins_are_charged_per_element():
    ctx = lang.Context(max_loop_iterations=1_000_000)
    # 500 iterations (never an old check) each summing 10000 elements
    src = "def l = 10000.map{ it }; def s = 0; for (int i = 0; i < 500; i++) { s += l.sum() }; s"
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded"):
        _run(ctx, src)


@pytest.mark.parametrize("src", [
    "def l = 2000000.map{ it }; l.size()",                      # inlined: no closure calls
    "def x = 0; for (int i = 0; i < 100; i++) { x += 100000.filter{ it % 2 }.size() }; x",
    "def l = 100000.map{ it }; for (int i = 0; i < 100; i++) { l.sort() }",
    "def s = 'x' * 100000; for (int i = 0; i < 900; i++) { s.toUpperCase() }",
])
def test_builtin_work_counts_against_the_iteration_limit(src):
    ctx = lang.Context(max_loop_iterations=1_000_000)
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded"):
        _run(ctx, src)


def test_time_limit_stops_builtin_heavy_loop():
    ctx = lang.Context(max_execution_ms=200)
    t = time.monotonic()
    with pytest.raises(lang.LimitError, match="Execution time exceeded"):
        _run(ctx, "def l = 100000.map{ it }; for (int i = 0; i < 1000; i++) { l.sum() }")
    assert time.monotonic() - t < 5


def test_eval_shares_the_budget_and_does_not_swallow_the_limit():
    ctx = lang.Context(max_loop_iterations=10_000)
    g = {}
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded"):
        _run(ctx, "eval('def i = 0; while (true) { i++ }', [:]); 'survived'", g)


def test_eval_work_adds_up_across_calls():
    # each eval alone is under the limit; together they are over it
    ctx = lang.Context(max_loop_iterations=3000)
    src = "for (int i = 0; i < 5; i++) { eval('for (int j = 0; j < 900; j++) {}') }; 'done'"
    with pytest.raises(lang.LimitError):
        _run(ctx, src)


def test_eval_limit_error_is_not_stored_in_error():
    ctx = lang.Context(max_execution_ms=100)
    g = {"out": None}
    src = "def g = [:]; eval('while (true) {}', g); out = g['$error']; 'survived'"
    with pytest.raises(lang.LimitError):
        _run(ctx, src, g)
    assert g["out"] is None


def test_eval_still_reports_ordinary_errors_in_error():
    ctx = lang.Context(max_loop_iterations=100_000)
    src = "def g = [:]; def r = eval('die \"boom\"', g); [r, g['$error'] =~ /boom/]"
    assert _run(ctx, src) == [None, True]


def test_eval_can_be_disabled():
    ctx = lang.Context(allow_eval=False)
    with pytest.raises(lang.JactlRuntimeError, match=r"eval\(\) is disabled in this context"):
        _run(ctx, "eval('1 + 1')")
    assert _run(lang.Context(), "eval('1 + 1')") == 2


def test_used_budget_includes_eval_and_survives_checkpoint():
    src = "eval('for (int j = 0; j < 3000; j++) {}'); checkpoint(); " \
          "eval('for (int j = 0; j < 3000; j++) {}'); 'done'"

    def ctx():
        c = lang.Context(max_loop_iterations=5000)
        c.compile(src)
        return c
    out = ctx().compile(src).start({})
    assert out.request.kind == "checkpoint"
    data = lang.Checkpointer.save(out.continuation)
    cont = lang.Restorer.restore(ctx(), data)
    with pytest.raises(lang.LimitError, match="Loop iterations exceeded"):
        cont.resume(None)


# ---------------------------------------------------------------------------------------
# max_call_depth

def test_max_call_depth_is_enforced():
    ctx = lang.Context(max_call_depth=50)
    src = "def f(n) { n == 0 ? 0 : 1 + f(n - 1) }; f(N)"
    assert _run(ctx, src, {"N": 40}) == 40
    with pytest.raises(lang.LimitError, match="Max call depth of 50 exceeded"):
        _run(ctx, src, {"N": 60})


def test_call_depth_counts_closures_and_builtin_callbacks():
    ctx = lang.Context(max_call_depth=50)
    with pytest.raises(lang.LimitError, match="Max call depth"):
        _run(ctx, "def f(n) { [n].map{ f(it + 1) } }; f(0)")


def test_call_depth_is_not_reset_by_suspending():
    # resuming runs the frames one after the other: without counting the frames outside
    # each one, a recursion that sleeps at every level never ends
    ctx = lang.Context(max_call_depth=50)
    with pytest.raises(lang.LimitError, match="Max call depth"):
        _run(ctx, "def f(n) { sleep(0); f(n + 1) }; f(0)")


def test_call_depth_after_error_in_eval_is_unwound():
    ctx = lang.Context(max_call_depth=30)
    src = """def f(n) { n == 0 ? 0 : 1 + f(n - 1) }
             def g = [:]
             for (int i = 0; i < 50; i++) { eval('die "x"', g) }
             f(25)"""
    assert _run(ctx, src) == 25


def test_stack_overflow_without_depth_limit_is_a_jactl_error():
    with pytest.raises(lang.JactlRuntimeError, match="Stack overflow"):
        _run(lang.Context(), "def f(n) { f(n + 1) }; f(0)")


def test_deep_recursion_through_builtins_does_not_crash_the_process(tmp_path):
    # with a host's high recursion limit, recursion through map{} used to overflow the C
    # stack (segfault); max_call_depth stops it first
    code = (
        "import sys, lang\n"
        "sys.setrecursionlimit(200000)\n"
        "ctx = lang.Context(max_call_depth=2000)\n"
        "try:\n"
        "    ctx.compile('def f(n) { [n].map{ f(it + 1) } }; f(0)').start({})\n"
        "except lang.LimitError as e:\n"
        "    print('limit:', e.raw_message)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "limit: Max call depth of 2000 exceeded" in r.stdout


# ---------------------------------------------------------------------------------------
# exceptions that are not the script's: never swallowed or turned into Jactl errors

class JobTimeoutException(Exception):
    """Like RQ's: a plain Exception raised by a signal handler."""


def test_foreign_exception_from_signal_handler_propagates():
    def handler(signum, frame):
        raise JobTimeoutException("job timed out")
    script = lang.Context().compile("def i = 0; while (true) { i++ }")
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        with pytest.raises(JobTimeoutException):
            script.start({})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_foreign_exception_inside_eval_propagates():
    def handler(signum, frame):
        raise JobTimeoutException("job timed out")
    script = lang.Context().compile("eval('def i = 0; while (true) { i++ }'); while (true) {}")
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        with pytest.raises(JobTimeoutException):
            script.start({})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("exc", [MemoryError, JobTimeoutException, KeyboardInterrupt,
                                 OSError])
def test_host_function_exceptions_that_are_not_script_faults_propagate(exc):
    ctx = lang.Context()

    def boom():
        raise exc("host trouble")
    ctx.register_function("boom", boom)
    with pytest.raises(exc):
        _run(ctx, "boom()")
    with pytest.raises(exc):
        _run(ctx, "eval('boom()'); 1")


def test_python_fault_in_runtime_is_a_jactl_error_with_position():
    ctx = lang.Context()

    def bad():
        raise ValueError("bad value")
    ctx.register_function("bad", bad)
    with pytest.raises(lang.JactlRuntimeError, match=r"Unexpected error: ValueError: bad value "
                                                     r"@ line 2, column"):
        _run(ctx, "def y = 1\ndef x = bad()")
