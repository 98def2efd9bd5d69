"""Front end: Jactl source text -> AST (``lang.syntax.nodes``).

This stage exists so that every later stage (resolver, code generator) works on a checked,
position-annotated tree instead of text: it owns all of Jactl's context-sensitive lexing
(optional semicolons / significant newlines, regex-vs-divide, string interpolation) and
reports syntax errors with Jactl's own wording and source positions.
"""

from lang.syntax.parser import parse

__all__ = ["parse"]
