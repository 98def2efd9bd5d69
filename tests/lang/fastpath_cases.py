"""Shared check for the fast-path case tables (test_typed_fast.py, test_dynamic_loops.py):
each case is (source, 'ok' | 'err', repr or error class name, type name or message), with
expected values produced by the general path, run plain and checkpoint-each-statement."""

import pytest

import lang


def check_case(case, cpe):
    src, kind, a, b = case
    if kind == "ok":
        r = lang.eval(src, {}, checkpoint_each_statement=cpe)
        assert (repr(r), type(r).__name__) == (a, b)
    else:
        with pytest.raises(Exception) as ei:
            lang.eval(src, {}, checkpoint_each_statement=cpe)
        assert type(ei.value).__name__ == a
        assert str(ei.value).split(" @ line")[0] == b


def run_saving_each_suspension(source, cpe=False, restore=False):
    """Run source to its end. Each suspension (a sleep, or with cpe a checkpoint after every
    statement) is saved to bytes; with restore the bytes are restored in a fresh Context and
    a sleep resumes there."""
    def context():
        ctx = lang.Context()
        ctx.compile(source, globals={}, checkpoint_each_statement=cpe)
        return ctx

    out = lang.Context().compile(source, globals={}, checkpoint_each_statement=cpe).start({})
    while isinstance(out, lang.Suspended):
        data = lang.Checkpointer.save(out.continuation)
        if out.request.kind == "sleep" and restore:
            out = lang.Restorer.restore(context(), data).resume(out.request.value)
        else:
            out = out.continuation.resume(out.request.value if out.request.kind == "sleep"
                                          else None)
    return out.value


def py_source(src):
    """The Python a fresh Context generates for src (tests that a fast path was taken)."""
    import lang
    return lang.Context().compile(src).py_source
