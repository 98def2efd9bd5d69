"""print/println are statements in Jactl: their value (ending a script) is true, and they
cannot initialise a variable."""

import pytest

import lang
from lang.errors import CompileError


def run(source):
    return lang.Context().compile(source).start({}).value


def test_script_ending_in_println_returns_true(capsys):
    assert run("println 'x'") is True
    assert run("def x = 1; print 'a'") is True
    assert run("int x = 0; x == 0 and println 'y'") is True
    assert capsys.readouterr().out == "x\nay\n"


@pytest.mark.parametrize("source,col", [("def x = println('a')", 9),
                                         ("def (a, b) = println 'x'", 14),
                                         ("int y = 2; String s = print 'a'", 23)])
def test_print_cannot_initialise_a_variable(source, col):
    with pytest.raises(CompileError, match="Unexpected token 'print(ln)?': Expected start of "
                                           "expression") as e:
        run(source)
    assert (e.value.line, e.value.column) == (1, col)
