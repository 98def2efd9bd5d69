"""The LALR(1) tables of jactl.lark, built once by the developer and shipped as Python data.

Building the tables with lark takes most of a second (LALR analysis of ~330 rules, 564
states), which every fresh process paid on its first compile. They only change when the
grammar does, so they are generated ahead of time into ``_lalr.json`` together with the SHA-256
of the grammar they were built from. JSON, not a Python module of literals: the C decoder
reads it in ~3 ms, where compiling 13k lines of literals costs ~75 ms in every process that
has no cached bytecode (``PYTHONDONTWRITEBYTECODE``, read-only or editable installs).
``parser.py`` uses them when that hash matches ``jactl.lark`` and builds them with lark
otherwise (a grammar edited without regenerating still works, just slowly; a test fails until
``_lalr.json`` is regenerated)::

    python -m lang.syntax.tables          # rewrite lang/syntax/_lalr.json from jactl.lark

Encoding: ``STATES[s]`` maps a terminal or rule name to an int: ``n >= 0`` shifts (or, after a
reduction, goes) to state ``n``; ``n < 0`` reduces by rule ``-1 - n``. ``RULES[i]`` is
``(origin, builder, expand1, size)``: the rule's left-hand side, the _Builder method that
builds its node (None for lark's internal helper rules, which are spliced into their parent),
whether a single child passes through (``?rule``), and how many symbols it pops.
"""

from __future__ import annotations

import hashlib
import json
import os

GRAMMAR_PATH = os.path.join(os.path.dirname(__file__), "jactl.lark")
DATA_PATH = os.path.join(os.path.dirname(__file__), "_lalr.json")


def grammar_text() -> str:
    with open(GRAMMAR_PATH, encoding="utf-8") as f:
        return f.read()


def grammar_hash(text: str | None = None) -> str:
    return hashlib.sha256((grammar_text() if text is None else text).encode("utf-8")).hexdigest()


def build(has_builder) -> dict:
    """Run lark's LALR analysis on jactl.lark. ``has_builder(name)`` says whether the parser
    has a builder method for a rule name."""
    from lark import Lark
    from lark.lexer import Lexer
    from lark.parsers.lalr_analysis import Shift

    class _NoLexer(Lexer):  # the tokens come from lexer.py; lark only builds tables here
        def __init__(self, lexer_conf):
            pass

        def lex(self, data):
            return iter(data)

    text = grammar_text()
    lk = Lark(text, parser="lalr", lexer=_NoLexer, keep_all_tokens=True)
    table = lk.parser.parser._parse_table
    rules, index = [], {}
    for r in lk.parser.parser_conf.rules:
        name = r.alias or r.origin.name
        name = str(name if isinstance(name, str) else name.name)
        expand1 = bool(r.options.expand1) and not r.alias
        builder = None if name.startswith("_") else name
        if builder is not None and not has_builder(name):
            if not (expand1 and len(r.expansion) == 1):
                raise RuntimeError(f"no builder method for grammar rule {name!r}")
            builder = "_single"
        index[r] = len(rules)
        rules.append((str(r.origin.name), builder, expand1, len(r.expansion)))
    states = []
    for s in range(len(table.states)):
        row = {}
        for sym, (action, arg) in table.states[s].items():
            row[str(sym)] = arg if action is Shift else -1 - index[arg]
        states.append(row)
    return {"grammar_sha256": grammar_hash(text), "start": table.start_states["start"],
            "end": table.end_states["start"], "rules": tuple(rules), "states": tuple(states)}


def load(path: str = DATA_PATH) -> dict | None:
    """The shipped tables, or None when there are none."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def write(tables: dict, path: str = DATA_PATH) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tables, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    from lang.syntax.parser import _Builder

    write(build(lambda name: hasattr(_Builder, name)))
    print(f"wrote {DATA_PATH}")
