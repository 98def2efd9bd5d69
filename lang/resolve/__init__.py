"""Resolved AST: names bound, static types known, suspension decided.

The parser only knows shapes. This stage annotates the AST in place: every identifier gets
the Symbol it means (local, captured in a closure, function, global, builtin, capture group),
every expression a static type, every function and call site whether it *may suspend*. The
code generator relies on the last to compile everything that cannot suspend as plain Python.
It also reports the errors the parser cannot see (unknown variables, duplicate
declarations, constants assigned, jumps outside loops), all of them at once.
"""

from .resolver import Resolved, resolve

__all__ = ["resolve", "Resolved"]
