"""Class-constructor switch patterns: ``X(p1, p2)`` matches an X whose mandatory fields,
in order, match the sub-patterns; ``X(f: p)`` names the fields."""

import pytest

import lang


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
@pytest.mark.parametrize("src, want", [
    ("class X{ int i; long j }; def x = new X(3,4); switch (x) { X(3,4) -> true; _ -> false }",
     True),
    ("class X{ int i; long j }; def x = new X(3,4); switch (x) { X(i:_,j:a) -> a; _ -> false }",
     4),
    ("class X{ int i=3; long j=4 }; def x = new X(); switch (x) { X() -> true; _ -> false }", True),
    ("class X{ int i; long j }; class Y extends X{int k}; def x = new Y(1,4,5); "
     "switch (x) { X(i:2) -> true; Y(i:1) -> false; _ -> 3 }", False),
])
def test_ctor_patterns(src, want, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == want


def test_positional_patterns_must_match_the_mandatory_field_count():
    with pytest.raises(lang.CompileError, match="does not match mandatory field count"):
        lang.eval("class X { int i = 1 }; def x = new X(); switch (x) { X(2) -> true }")
