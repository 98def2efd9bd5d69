"""codegen.py's FuncGen and resolver.py's Resolver are composed of mixins, one module per
seam (made mechanically by a split script). These checks keep the split sound: a mixin
module never imports the module that composes it (an import cycle), and no method is defined
twice (the class listed first in the bases would silently win)."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPLITS = [("lang.codegen.codegen", "FuncGen"), ("lang.resolve.resolver", "Resolver")]


def _imported_modules(path, package):
    tree = ast.parse(path.read_text())
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            base = package.split(".")
            if n.level:
                base = base[:len(base) - n.level + 1]
                yield ".".join(base + ([n.module] if n.module else []))
                for a in n.names:
                    yield ".".join(base + ([n.module] if n.module else []) + [a.name])
            else:
                yield n.module
        elif isinstance(n, ast.Import):
            for a in n.names:
                yield a.name


@pytest.mark.parametrize("main,cls", SPLITS)
def test_no_mixin_module_imports_the_module_that_composes_it(main, cls):
    composed = getattr(importlib.import_module(main), cls)
    mods = {b.__module__ for b in composed.__mro__[1:] if b is not object}
    assert len(mods) >= 5
    for mod in sorted(mods):
        path = ROOT / (mod.replace(".", "/") + ".py")
        package = mod.rsplit(".", 1)[0]
        assert main not in set(_imported_modules(path, package)), f"{mod} imports {main}"


@pytest.mark.parametrize("main,cls", SPLITS)
def test_every_method_is_defined_once(main, cls):
    composed = getattr(importlib.import_module(main), cls)
    seen = {}
    for klass in composed.__mro__:
        if klass is object:
            continue
        for name, v in vars(klass).items():
            if callable(v) and not (name.startswith("__") and name.endswith("__")):
                assert name not in seen, f"{name} in both {seen[name]} and {klass.__name__}"
                seen[name] = klass.__name__
    assert len(seen) > 40
