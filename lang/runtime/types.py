"""How Jactl values are represented in Python.

The mapping is chosen so that the common case runs as plain Python: Jactl ``int`` is a plain
Python ``int`` (kept within 32 bits by the operators), ``double`` is ``float``, ``Decimal`` is
``decimal.Decimal``, ``String`` is ``str``, ``boolean`` is ``bool``, ``List`` is ``list``,
``Map`` is ``dict`` (insertion ordered, like Jactl's LinkedHashMap), ``null`` is ``None``.

Jactl has numeric types Python does not distinguish. They are int subclasses, so they are
still ``int`` to hosts (``isinstance(v, int)``) but carry their Jactl type at run time, which
is what untyped (``def``) code dispatches on:

* ``Long``  – a 64-bit Jactl ``long``. Arithmetic on it returns plain ints, so operators
  re-wrap results explicitly.
* ``Byte``  – an unsigned 8-bit Jactl ``byte`` (0..255).

Arrays (``int[]``, ``String[]``...) are ``JArray``: a list that knows its element type.
"""

import decimal

from .limits import MAX_DECIMAL_DIGITS, MAX_DECIMAL_EXPONENT


class Long(int):
    """A Jactl ``long``: 64-bit, wraps on overflow."""
    __slots__ = ()

    def __repr__(self):
        return f"{int(self)}L"


class Byte(int):
    """A Jactl ``byte``: unsigned, 0..255."""
    __slots__ = ()

    def __repr__(self):
        return f"(byte){int(self)}"


class JArray(list):
    """A Jactl array: fixed size, with an element type name ('int', 'long', 'double',
    'boolean', 'byte', 'String', 'Decimal', 'Object', 'int[]', 'X', ...), and for an array
    of a script's class, that script's class table (a Map stored into an element becomes
    an instance of it)."""
    __slots__ = ("elem", "classes")

    def __init__(self, elem, items=(), classes=None):
        super().__init__(items)
        self.elem = elem
        self.classes = classes


Decimal = decimal.Decimal

# BigDecimal arithmetic is exact for + - *; a wide context keeps Python's Decimal exact for
# any value a script can reasonably build. Division follows Jactl's own rule (operators.py).
# The exponent is bounded (limits.MAX_DECIMAL_EXPONENT): a result beyond it traps in C at
# once (Overflow/Underflow, reported as a LimitError) instead of becoming a value whose
# conversion to an int or a plain string runs for minutes.
DECIMAL_CONTEXT = decimal.Context(prec=MAX_DECIMAL_DIGITS, rounding=decimal.ROUND_HALF_UP,
                                  Emax=MAX_DECIMAL_EXPONENT, Emin=-MAX_DECIMAL_EXPONENT, traps=[
                                      decimal.InvalidOperation, decimal.DivisionByZero,
                                      decimal.Overflow, decimal.Underflow])
decimal.setcontext(DECIMAL_CONTEXT)
decimal.DefaultContext = DECIMAL_CONTEXT


class Cell:
    """A variable captured by a closure: the closure and the frame that declared it share
    the cell, so writes through either are seen by both (Jactl captures variables, not
    values)."""
    __slots__ = ("v",)

    def __init__(self, v=None):
        self.v = v

    def __repr__(self):
        return f"Cell({self.v!r})"


MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()
"""Marks an argument that was not passed (so its default expression runs)."""
