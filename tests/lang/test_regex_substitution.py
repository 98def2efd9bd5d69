"""s/pat/repl/flags: the replacement runs once per match with that match's groups in $1...
(also inside closures and after a match of its own), and it may suspend: run plainly, with a
checkpoint after every statement, and with every suspension restored in a fresh Context."""

import pytest

import lang
from fastpath_cases import run_saving_each_suspension as run



CASES = [
    ("def x = 'abcb'; x =~ s/(b)/${$1 + 'Q'}/g; x", "abQcbQ"),
    ("def x = 'abcb'; x =~ s/(b)/${$1 =~ /(b)/ ? $1.toUpperCase() : 'x'}/g; x", "aBcB"),
    ("'abc' =~ /(b)/; def y = 'xyz'; y =~ s/(y)/${$1}$1/; $1 + y", "bxyyz"),
    ("def x = 'This SentenCe has Capital letTErs'; "
     "x =~ s/([A-Z][a-z])/${$1 =~ /^((.*))$/; $2.toLowerCase()}/g; x",
     "this sentence has capital letTers"),
    ("'This SentenCe has Capital letTErs' =~ s/([A-Z][a-z])/${sleep(0,$1) =~ "
     "sleep(0,/^((.*))$/); sleep(0,sleep(0,$2).toLowerCase())}/rg",
     "this sentence has capital letTers"),
    ("def s = 'a1b22c'; s =~ s/(\\d+)/${sleep(0, $1 * 2)}/g; s", "a11b2222c"),
    ("def s = 'a1b2'; s =~ s/(\\d)/<${sleep(0, $1)}>/; s", "a<1>b2"),
    ("def f(x) { sleep(0, x + x) }; 'x1y2' =~ s/([0-9])/${f($1)}/rg", "x11y22"),
    ("def f(x,y,z){ sleep(0,0) if false; z }; "
     "f(null, 13, 'abc' =~ s/([A-Z][a-z])/${f(null, 17,$1)}/rg)", "abc"),
    ("def r = []; 'a1b2' =~ s/([0-9])/${r <<= sleep(0, $1); 'x'}/rg; r", ["1", "2"]),
]


@pytest.mark.parametrize("source,expected", CASES)
def test_substitution(source, expected):
    assert run(source) == expected
    assert run(source, cpe=True) == expected
    assert run(source, restore=True) == expected
    assert run(source, cpe=True, restore=True) == expected


@pytest.mark.parametrize("src,expected", [
    # ``\$`` in a replacement is a literal $ (in the pattern it stays the regex escape)
    ("def it = 'abc'; s/([a-z])/\\$1\\$1/g", "$1$1$1$1$1$1"),
    ("def x = 'a$c'; x =~ s/\\$/X/", "aXc"),
    # a null string matches nothing
    ("def x; x =~ /abc/", False),
    ("def x; x !~ /abc/", True),
    # /n: an integer beyond long stays a String; a decimal number is a Decimal
    ("'a12345123451234512341234b' =~ /.([\\d.]+)./n; $1", "12345123451234512341234"),
    ("'a1234512345123451234.5b' =~ /.([\\d.]+)./n; $1 instanceof Decimal", True),
])
def test_replacement_escapes_null_subjects_and_numeric_captures(src, expected):
    assert lang.eval(src) == expected


def test_a_capture_variable_without_a_match_in_scope_is_jactls_error():
    with pytest.raises(lang.CompileError, match="Reference to regex capture variable \\$1 in "
                                                "scope where no regex match has occurred"):
        lang.eval("def it = 'abc'; def y = ''; for (int i = 0; /${''}/g && i < 10; i++) "
                  "{ y += $1 }; y += $1")


def test_a_null_string_index_is_a_conversion_error():
    with pytest.raises(lang.JactlError, match="Cannot convert null value to int"):
        lang.eval("'abc'[0 if false]")
