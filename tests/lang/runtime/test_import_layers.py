"""lang/runtime has no import cycles, counting imports inside functions.

A cycle hides the order the runtime's layers are built in (limits < types < functions <
values < argconv/ops/strings/jsonfmt < objects/methods < iteration < iterators < calls <
fastcalls/access < exports) and makes the modules of it load and change together.
Where a lower layer must call back up (iteration calling a function value, a Closure
converting its arguments), the upper module installs its function in the lower one when
it loads; see docs/lang.md, "Stage contracts"."""

import ast
import pathlib

import pytest

RUNTIME = pathlib.Path(__file__).resolve().parents[3] / "lang" / "runtime"


def _imports(path, modules):
    """The runtime modules a module imports, anywhere in it: {module: first line}."""
    out = {}

    def add(name, line):
        if name in modules:
            out.setdefault(name, line)

    for n in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(n, ast.ImportFrom):
            if n.level == 1:            # from .x import y / from . import x
                if n.module:
                    add(n.module.split(".")[0], n.lineno)
                else:
                    for a in n.names:
                        add(a.name, n.lineno)
            elif n.level == 2 and n.module and n.module.split(".")[0] == "runtime":
                parts = n.module.split(".")      # from ..runtime.x import y
                if len(parts) > 1:
                    add(parts[1], n.lineno)
                else:
                    for a in n.names:
                        add(a.name, n.lineno)
            elif n.level == 0 and n.module and n.module.startswith("lang.runtime"):
                parts = n.module.split(".")
                if len(parts) > 2:
                    add(parts[2], n.lineno)
                else:
                    for a in n.names:
                        add(a.name, n.lineno)
        elif isinstance(n, ast.Import):
            for a in n.names:
                parts = a.name.split(".")
                if parts[:2] == ["lang", "runtime"] and len(parts) > 2:
                    add(parts[2], n.lineno)
    return out


def graph(root=RUNTIME):
    modules = {p.stem for p in root.glob("*.py")}
    return {p.stem: _imports(p, modules) for p in root.glob("*.py")}


def find_cycle(g):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}
    path = []

    def visit(v):
        state[v] = 1
        path.append(v)
        for w in sorted(g[v]):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state:
                c = visit(w)
                if c:
                    return c
        path.pop()
        state[v] = 2
        return None

    for v in sorted(g):
        if v not in state:
            c = visit(v)
            if c:
                return c
    return None


def test_lang_runtime_has_no_import_cycle():
    g = graph()
    assert len(g) > 20      # (the directory was found)
    cycle = find_cycle(g)
    if cycle:
        steps = [f"{a} (line {g[a][b]}) -> {b}" for a, b in zip(cycle, cycle[1:])]
        pytest.fail("import cycle in lang/runtime: " + "; ".join(steps))


def test_the_checker_sees_imports_inside_functions(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from . import a\n    return a\n")
    (tmp_path / "c.py").write_text("def f():\n    import lang.runtime.a\n")
    g = graph(tmp_path)
    assert g == {"a": {"b": 1}, "b": {"a": 2}, "c": {"a": 2}}
    assert find_cycle(g) == ["a", "b", "a"]
    assert find_cycle({"a": {"b": 1}, "b": {}, "c": {"a": 2}}) is None


def test_the_upward_calls_are_installed():
    """What lower layers call back up into is bound once the runtime has loaded."""
    from lang.runtime import argconv, calls, functions, iteration
    assert functions.convert_args is argconv.convert_args
    assert functions.convert_spread is argconv.convert_spread
    assert functions.convert_params is argconv.convert_params
    assert iteration.call is calls.call
