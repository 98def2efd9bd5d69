"""Python source from the resolved AST.

One Python function per Jactl function or closure. Functions that may suspend are emitted
so they can be re-entered at any suspend point with their locals restored (see codegen.py);
the rest are straight Python. Every generated line carries the script position it came
from, so run-time errors report script lines and columns.
"""

from .codegen import Compiled, generate

__all__ = ["generate", "Compiled"]
