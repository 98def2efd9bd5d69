"""The resolved AST is a declared contract: every fact a stage writes on a node is a field
or an ``annotation`` of its class in lang/syntax/nodes.py, and the resolver and code
generator read the annotations as plain attributes, never ``getattr(node, name, default)``
(which would hide a node type that lacks the fact, or a misspelt name)."""

import ast
import json
from pathlib import Path

import pytest

from lang import JactlError
from lang.codegen import generate
from lang.resolve import resolve
from lang.syntax import nodes as N
from lang.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[3]
PROGRAMS = ROOT / "tests" / "lang" / "programs"
SAMPLE = ROOT / ".." / "shared" / "conformance" / "sample.jsonl"


def _node_classes():
    out, todo = [], [N.Node]
    while todo:
        c = todo.pop()
        out.append(c)
        todo.extend(c.__subclasses__())
    return out


def _annotation_names():
    names = set()
    for c in _node_classes():
        names |= set(c._node_annotations)
    return names


def _attr_lookups_by_literal(path):
    """(line, function, name) of every getattr/hasattr call naming an attribute literally."""
    tree = ast.parse(path.read_text(), str(path))
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and \
                n.func.id in ("getattr", "hasattr") and len(n.args) >= 2 and \
                isinstance(n.args[1], ast.Constant) and isinstance(n.args[1].value, str):
            yield n.lineno, n.func.id, n.args[1].value


def test_resolver_and_codegen_read_node_facts_as_declared_attributes():
    declared = _annotation_names()
    bad = []
    for sub in ("codegen", "resolve"):
        for path in sorted((ROOT / "lang" / sub).rglob("*.py")):
            for line, fn, name in _attr_lookups_by_literal(path):
                if name in declared:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {fn}(..., {name!r})")
    assert not bad, "node facts read with a default instead of a declared field:\n" + \
        "\n".join(bad)


def test_the_scan_sees_a_getattr_of_a_node_fact(tmp_path):
    # (the check above cannot pass vacuously: its scanner finds the pattern it forbids)
    p = tmp_path / "x.py"
    p.write_text("def f(e):\n    return getattr(e, 'stype', 'def') or hasattr(e, 'lower')\n")
    assert [(fn, name) for _, fn, name in _attr_lookups_by_literal(p)] == \
        [("getattr", "stype"), ("hasattr", "lower")]
    assert {"stype", "lower", "susp", "is_susp_call", "target", "receiver_of"} <= \
        _annotation_names()


def _sources():
    for p in sorted(PROGRAMS.glob("*.jactl")):
        yield p.name, p.read_text()
    if SAMPLE.exists():
        for line in SAMPLE.read_text().splitlines():
            case = json.loads(line)
            yield case["id"], case["source"]
            for i, cls in enumerate(case.get("classes") or ()):
                yield f"{case['id']}/class{i}", cls


def _undeclared(tree):
    """(node type, attribute) of every attribute set on a node of ``tree`` that its class
    does not declare, and the number of nodes seen."""
    seen, out, todo = set(), set(), [tree]
    while todo:
        x = todo.pop()
        if isinstance(x, N.Node):
            if id(x) in seen:
                continue
            seen.add(id(x))
            t = type(x)
            for k, v in vars(x).items():
                if k not in t._node_fields and k not in t._node_annotations:
                    out.add((t.__name__, k))
                todo.append(v)
        elif isinstance(x, (list, tuple)):
            todo.extend(x)
        elif isinstance(x, dict):
            todo.extend(x.values())
    return out, len(seen)


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "checkpoint-each-statement"])
def test_every_fact_the_stages_set_on_nodes_is_declared(cpe):
    undeclared, compiled, nodes = {}, 0, 0
    for name, src in _sources():
        tree = None
        try:
            tree = parse(src, "script")
            generate(resolve(tree, src, checkpoint_each_statement=cpe), "0" * 64)
            compiled += 1
        except JactlError:      # (an error case: what the stages set before it counts too)
            if tree is None:
                continue
        found, n = _undeclared(tree)
        nodes += n
        for key in found:
            undeclared.setdefault(key, name)
    assert compiled >= 40 and nodes > 10000
    assert not undeclared, "\n".join(f"{t}.{a} (e.g. in {where})"
                                     for (t, a), where in sorted(undeclared.items()))


def test_annotations_cost_nothing_to_build_and_read_as_their_default():
    lit = N.Literal("int", 1, line=1, col=1)
    assert set(vars(lit)) == set(N.Literal._node_fields)
    assert (lit.stype, lit.susp, lit.lower, lit.receiver_of) == ("def", False, False, None)
    lit.stype = "int"
    assert lit.stype == "int" and N.Literal("int", 2).stype == "def"


def test_recast_leaves_nothing_of_the_old_node_type():
    e = N.MethodCall(N.Ident("x"), "f", [N.Literal("int", 1)], quoted=True, line=3, col=4)
    e.stype = "int"
    args = e.args
    N.recast(e, N.Call, callee=N.Ident("g"), args=args)
    assert type(e) is N.Call and (e.line, e.col) == (3, 4) and e.args is args
    assert set(vars(e)) == set(N.Call._node_fields)
    assert e.named == [] and e.stype == "def"
