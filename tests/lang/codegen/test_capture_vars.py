"""Regex capture variables ($1...) live in ``$@``, a local of the block where the match is:
closures read the enclosing match like any captured variable, a match in a nested block
leaves the outer groups alone, and a $n with no match in scope is a compile error."""

import pytest

import lang


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
@pytest.mark.parametrize("src, want", [
    ('def r=[]; "R 3" =~ /^([RLUD]) (.*)$/n and $2.each{ r <<= $1 }; r', ["R", "R", "R"]),
    ("def x; 'bcaaxy' =~ /(a+)/ and x = $1; { 'abc' =~ /(a).(c)/ and x += $2 }; x += $1",
     "aacaa"),
    ("def it = 'xyz'; def x; /(x)(y)(z)/r and { x = \"$3$2$1\" }(); x", "zyx"),
    ("def x = 'abc'; x =~ /(b)/; def c = { $1 }; sleep(0, 1); c()", "b"),
    ("def f(x) { false && 'a' =~ /(a)/; $1 }; f(false)", None),
    ("def it = 'abc'; switch{ /a(.)c/r if false, 'abc'-> $1; default -> 2 }", None),
])
def test_capture_variables(src, want, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == want


def test_no_match_in_scope_is_a_compile_error():
    with pytest.raises(lang.CompileError, match="Reference to regex capture variable \\$1 in scope where no regex match has occurred"):
        lang.eval("{ 'bcaaxy' =~ /(a+)/ }; \"$1$2\"")
