"""Generated Python stays readable: it opens with the contract it is written against, and
has no doubled guards (``if not _pc:`` directly inside ``if not _pc:``, which says nothing
the outer guard does not)."""

import ast

import pytest

from lang.codegen.codegen import HEADER

from test_exports_contract import compiled_sources  # (same directory: pytest puts it on sys.path)


def doubled_guards(py_source):
    """Line numbers of ``if not _pc:`` statements directly inside another one."""
    out = []
    for n in ast.walk(ast.parse(py_source)):
        if isinstance(n, ast.If) and ast.unparse(n.test) == "not _pc":
            out += [c.lineno for c in n.body + n.orelse
                    if isinstance(c, ast.If) and ast.unparse(c.test) == "not _pc"]
    return out


def test_the_checker_finds_a_doubled_guard():
    src = "def f(_pc):\n    if not _pc:\n        if not _pc: x = 1\n    if not _pc: y = 2\n"
    assert doubled_guards(src) == [3]


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
def test_generated_modules_name_the_contract_and_guard_once(cpe):
    doubled = {}
    compiled = 0
    for name, py in compiled_sources(cpe):
        compiled += 1
        assert py.split("\n")[:len(HEADER)] == list(HEADER), name
        assert "runtime/exports.py" in HEADER[1]
        if (lines := doubled_guards(py)):
            doubled.setdefault(name, lines)
    assert compiled > 20
    assert not doubled, f"doubled `if not _pc:` guards (source: generated lines): {doubled}"
