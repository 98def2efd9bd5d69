"""Context limits stop runaway scripts, and what a script has used travels with its
checkpoint, so restoring does not reset the limits."""

import pytest

import lang


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
