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
