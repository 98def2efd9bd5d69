"""Generated code references only what runtime/exports.py declares: EXPORTS, the
per-instance MODULE_NAMES, the allowed PYTHON_BUILTINS, and names it defines itself at
module level (checked by Python's own scoping rules, over the benchmark programs, the
real programs of tests/lang/programs and a tenth of the corpus, plainly and with a
checkpoint after every statement).

A name outside the contract would work today only by accident (a builtin shadowing, a
runtime module's global leaking in) and break when the runtime is reorganised."""

import json
import symtable
import os
from pathlib import Path

import pytest

import lang
from lang.runtime.exports import EXPORTS, MODULE_NAMES, PYTHON_BUILTINS

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / ".." / "shared" / "conformance" / "jactl-cases.jsonl"
ALLOWED = set(EXPORTS) | MODULE_NAMES | PYTHON_BUILTINS


def free_names(py_source):
    """The names a module reads from its globals without defining them at module level,
    by Python's own scoping (symtable): a name assigned as a local of one function does
    not make a global read of it in another one legal."""
    top = symtable.symtable(py_source, "<generated>", "exec")
    defined = {s.get_name() for s in top.get_symbols()
               if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read = set()
    stack = [top]
    while stack:
        t = stack.pop()
        stack.extend(t.get_children())
        for s in t.get_symbols():
            if not s.is_referenced():
                continue
            if t is top or s.is_global() or s.is_declared_global():
                read.add(s.get_name())
    return read - defined


def sources():
    for p in sorted((ROOT / "bench" / "programs").glob("*.jactl")):
        yield p.name, p.read_text(), ["n"]
    # (real programs: classes, closures, JSON, suspending calls)
    for p in sorted((ROOT / "tests" / "lang" / "programs").glob("*.jactl")):
        yield p.name, p.read_text(), None
    if CORPUS.exists():
        with open(CORPUS) as f:
            for i, line in enumerate(f):
                if i % 10 == 0:
                    case = json.loads(line)
                    if not case.get("classes"):
                        yield case["id"], case["source"], None


def compiled_sources(cpe):
    """(name, generated Python) of every source in sources() that compiles."""
    ctx = lang.Context()
    for name, src, globals_names in sources():
        try:
            script = ctx.compile(src, globals=globals_names, checkpoint_each_statement=cpe)
        except lang.JactlError:
            continue
        yield name, script.py_source


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
def test_generated_code_uses_only_exported_names(cpe):
    outside = {}
    compiled = 0
    for name, py in compiled_sources(cpe):
        compiled += 1
        for n in free_names(py) - ALLOWED:
            outside.setdefault(n, name)
    assert compiled > 20
    assert not outside, f"names outside runtime/exports.py (first source using each): {outside}"


def test_the_checker_sees_a_global_read_hidden_by_a_local_elsewhere():
    src = "def f():\n    _x = 1\n    return _x\ndef g():\n    return _x + _call(1)\n"
    assert free_names(src) == {"_x", "_call"}
    assert free_names("_y = 1\ndef f():\n    return _y\n") == set()
