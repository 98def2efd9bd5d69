"""The LALR tables ship with the package (lang/syntax/_lalr.json), built from jactl.lark."""

import subprocess
import sys

from lang.syntax import tables

_lalr = tables.load()


def test_the_shipped_tables_were_built_from_the_current_grammar():
    # after editing jactl.lark: python -m lang.syntax.tables
    assert _lalr["grammar_sha256"] == tables.grammar_hash()


def test_compiling_a_script_needs_neither_lark_nor_a_table_build():
    code = "import sys, lang; assert lang.eval('1 + 2') == 3; print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tables_built_with_lark_parse_like_the_shipped_ones():
    from lang.syntax.parser import _Builder, _Driver, parse
    from lang.syntax.lexer import tokenize

    built = tables.build(lambda name: hasattr(_Builder, name))
    assert len(built["states"]) == len(_lalr["states"]) and len(built["rules"]) == len(_lalr["rules"])
    driver = _Driver.__new__(_Driver)
    driver.states, driver.rules = built["states"], built["rules"]
    driver.start_state, driver.end_state = built["start"], built["end"]
    src = "def f(x) { x * 2 }\nint i = 0\nwhile (i < 3) { i++ }\n[a: f(i), b: 'x${i}']"
    assert repr(driver.run(tokenize(src), _Builder(src))) == repr(parse(src))
