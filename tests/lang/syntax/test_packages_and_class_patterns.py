"""Classes named through the script's own package (``a.b.X``), ``import X as Y`` aliases,
class constants as switch patterns (``X.A``) and ``def (x, y) = ...`` fields in a class
body."""

import pytest

import lang
from lang.errors import JactlError

CONSTS = "package a.b.c; class X { const int A=1, B=2, C=3; int i = 4 }"


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,classes,expected", [
    # qualified by the script's own package
    ("package x.y.z; class X { int i = 1 }; x.y.z.X x = new X(); x.i", [], 1),
    ("package a.b; class X {}; def x = 4; [x instanceof a.b.X, new X() instanceof a.b.X]",
     [], [False, True]),
    ("package a.b; class X {}; switch ([4]) { [a.b.X] -> true; default -> false }", [], False),
    ("package a.b.c; a.b.c.X.A + a.b.c.X.C", [CONSTS], 4),
    # a variable named like the package's first part keeps ``a.b.X`` a field access
    ("package a.b; def a = [b:[X:3]]; a.b.X", [], 3),
    # class constants as switch patterns, from this script or from the context's classes
    ("class X { const int a=1, b=2 }; switch (2) { X.a -> 'a'; X.b -> 'b' }", [], "b"),
    ("package a.b.c; switch (2) { a.b.c.X.A -> 'a'; X.B -> 'b' }", [CONSTS], "b"),
    ("switch (3) { X.A, X.B -> 'ab'; X.C -> 'c' }", [CONSTS], "c"),
    # import aliases name the class everywhere
    ("package a.b.c; import X as Y; Y y = new Y(); [y.i, Y.B, ([i:5] as Y).i, y instanceof Y]",
     [CONSTS], [4, 2, 5, True]),
    ("package a.b.c; import X as Y; switch (2) { Y.A -> 'a'; Y.B -> 'b' }", [CONSTS], "b"),
    # multi-declarations in a class body: one field per name
    ("class X { def (x,y) = [1,2] }; def x = new X(); x.x + x.y", [], 3),
    ("class X { def f = {[1,2]}; def (x,y) = f(); def (a,b,c) = f() }; def x = new X();"
     " [x.x, x.y, x.a, x.b, x.c]", [], [1, 2, 1, 2, None]),
    ("class X { def (int x, String s) = [1,'a'] }; new X().s + new X(x:3).x", [], "a3"),
])
def test_values(src, classes, expected, cpe):
    assert lang.eval(src, {}, classes=classes, checkpoint_each_statement=cpe) == expected


def test_multi_declared_fields_without_initialiser_are_mandatory():
    with pytest.raises(JactlError, match="(?i)missing mandatory fields"):
        lang.eval("class X { def (x,y) }; new X()")
    assert lang.eval("class X { def (x,y) }; def o = new X(1, 2); o.x + o.y") == 3
