"""Generated code references only what runtime/exports.py declares: EXPORTS, the
per-instance MODULE_NAMES, the allowed PYTHON_BUILTINS, and names it defines itself.

A name outside the contract would work today only by accident (a builtin shadowing, a
runtime module's global leaking in) and break when the runtime is reorganised."""

import ast
import json
import os
from pathlib import Path

import pytest

import lang
from lang.runtime.exports import EXPORTS, MODULE_NAMES, PYTHON_BUILTINS

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / ".." / "shared" / "conformance" / "jactl-cases.jsonl"
ALLOWED = set(EXPORTS) | MODULE_NAMES | PYTHON_BUILTINS


def free_names(py_source):
    bound, loads = set(), set()
    for n in ast.walk(ast.parse(py_source)):
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            bound.add(n.name)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
    return loads - bound


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
                    if case.get("kind") == "value" and not case.get("classes"):
                        yield case["id"], case["source"], None


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
def test_generated_code_uses_only_exported_names(cpe):
    ctx = lang.Context()
    outside = {}
    compiled = 0
    for name, src, globals_names in sources():
        try:
            script = ctx.compile(src, globals=globals_names, checkpoint_each_statement=cpe)
        except lang.JactlError:
            continue
        compiled += 1
        for n in free_names(script.py_source) - ALLOWED:
            outside.setdefault(n, name)
    assert compiled > 20
    assert not outside, f"names outside runtime/exports.py (first source using each): {outside}"
