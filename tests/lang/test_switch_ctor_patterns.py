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


@pytest.mark.parametrize("src", [
    "class X{int i;long j}; X[][] x = [[new X(3,7)], [new X(4,9)]]; "
    "switch (x) { [_,X(i:3)] -> 3; [X(i:3),a] -> a; _ -> null }",
    "class X{int i}; int v = 3; switch (v) { X(i:3) -> 1; _ -> 2 }",
    "class X{int i}; class Y{int i}; Y y = new Y(1); switch (y) { X(i:1) -> 1; _ -> 2 }",
])
def test_a_constructor_pattern_that_can_never_match_is_a_compile_error(src):
    with pytest.raises(lang.CompileError, match="can never match"):
        lang.eval(src)


def test_a_constructor_pattern_matches_through_base_and_derived_types():
    src = ("class X{int i}; class Y extends X{}; X x = new Y(5); Y y = new Y(6); "
           "[switch (x) { Y(i:5) -> 'y'; _ -> 'n' }, switch (y) { X(i:6) -> 'x'; _ -> 'n' }]")
    assert lang.eval(src) == ["y", "x"]
