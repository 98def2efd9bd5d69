"""What a Context keeps (finding 9): scripts compiled by eval() are bounded (least
recently used first out), host-compiled scripts stay restorable, and a script's hash
covers the host functions it was compiled against."""

import pytest

import lang


def test_eval_compiled_scripts_are_bounded():
    ctx = lang.Context(max_cached_scripts=8)
    s = ctx.compile("def t = 0; for (int i = 0; i < 200; i++) { t += eval('' + i + ' * 2') }; t")
    assert s.start({}).value == sum(i * 2 for i in range(200))
    assert len(ctx._eval_scripts) <= 8        # private: the cache itself is what is tested
    assert len(ctx._by_hash) == 1


def test_host_compiled_scripts_stay_restorable_whatever_eval_compiled():
    ctx = lang.Context(max_cached_scripts=2)
    src = "def x = 1; checkpoint(); for (int i = 0; i < 20; i++) { eval('' + i) }; x + 1"
    out = ctx.compile(src).start({})
    data = lang.Checkpointer.save(out.continuation)
    for i in range(20):
        ctx.compile_for_eval(f"{i} + 100")
    cont = lang.Restorer.restore(ctx, data)
    assert cont.resume(None).value == 2


def test_eval_of_source_the_host_compiled_uses_the_pinned_script():
    ctx = lang.Context(max_cached_scripts=1)
    s = ctx.compile("40 + 2")
    assert ctx.compile_for_eval("40 + 2") is s


def _suspended(ctx, src):
    out = ctx.compile(src).start({})
    assert isinstance(out, lang.Suspended)
    return lang.Checkpointer.save(out.continuation)


def test_script_hash_covers_host_functions():
    src = "def a = 1; def r = wait(a); checkpoint(); a + (r ?: 0)"
    waiting = lang.Context()
    waiting.register_function("wait", suspends=True)
    plain = lang.Context()
    plain.register_function("wait", lambda x: 5)
    assert waiting.compile(src).hash != plain.compile(src).hash
    data = _suspended(waiting, src)
    with pytest.raises(lang.CheckpointError, match="not compiled"):
        lang.Restorer.restore(plain, data)


def test_register_function_forgets_every_compiled_script():
    ctx = lang.Context()
    src = "def a = 1; checkpoint(); a"
    data = _suspended(ctx, src)
    ctx.register_function("later", lambda: 1)
    # the old script was compiled without 'later': its continuation does not restore into
    # this changed Context (it used to, through the stale hash map)
    with pytest.raises(lang.CheckpointError, match="not compiled"):
        lang.Restorer.restore(ctx, data)


def test_continuation_restores_in_the_same_context():
    ctx = lang.Context(max_loop_iterations=10_000, max_call_depth=100)
    ctx.register_function("wait", suspends=True)
    src = "def f(n) { wait(n) * 2 }; f(21)"
    data = _suspended(ctx, src)
    assert lang.Restorer.restore(ctx, data).resume(21).value == 42
