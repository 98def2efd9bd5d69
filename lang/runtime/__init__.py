"""What generated code runs against: Jactl's values and operators, builtin functions and
methods, and the suspension machinery (continuation.py).

``exports.EXPORTS`` is the contract: the only names generated code refers to.
"""
