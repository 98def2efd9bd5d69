"""Jactl's argument-binding rules for calls whose target is known at compile time.

A call of a function, static method or method of a typed receiver is checked here, with the
errors Jactl reports at compile time; the same rules at run time (function values, untyped
receivers) live in runtime/functions.py and runtime/calls.py, which word their errors the
way Jactl's runtime does. ``pnodes`` are the target's Param nodes (without ``this``).
"""

from ..errors import CompileError


def may_spread(pnodes):
    """Whether one List argument supplies the arguments: a function without parameters,
    or with several of which not exactly one is mandatory (runtime/functions.py agrees)."""
    n = len(pnodes)
    mandatory = sum(1 for p in pnodes if p.default is None)
    return n == 0 or (n > 1 and mandatory != 1)


def _missing_error(missing, node, what="argument"):
    names = [p.name for p in missing]
    if len(names) == 1:
        return CompileError(f"Missing mandatory {what}: {names[0]}", node.line, node.col)
    return CompileError(f"Missing mandatory {what}s: {', '.join(names)}", node.line, node.col)


def check_positional(e, pnodes, args=None):
    """Too many positional arguments, or a mandatory parameter left without one."""
    n = len(e.args if args is None else args)
    if n > len(pnodes):
        raise CompileError(f"Too many arguments (passed {n} but expected only {len(pnodes)})",
                           e.line, e.col)
    missing = [p for p in pnodes[n:] if p.default is None]
    if not missing:
        return
    last = pnodes.index(missing[-1])
    if any(p.default is not None for p in pnodes[:last]):
        # (a mandatory parameter after optional ones: Jactl counts rather than names them)
        mand = sum(1 for p in pnodes if p.default is None)
        raise CompileError(f"Missing mandatory arguments (passed {n} but expected at least "
                           f"{mand})", e.line, e.col)
    raise _missing_error(missing, e)


def named_arg_nodes(e, pnodes, what="argument"):
    """The argument node for each parameter (None: not given) of a call with named
    arguments, after Jactl's checks: every name a parameter, every mandatory one given.
    (what: "field" for a constructor, whose parameters are the class's fields)"""
    names = [p.name for p in pnodes]
    bad = [na for na in e.named if na.name not in names]
    if bad:
        if len(bad) == 1:
            raise CompileError(f"No such parameter: {bad[0].name}", bad[0].line, bad[0].col)
        raise CompileError(f"No such parameters: {', '.join(na.name for na in bad)}",
                           bad[0].line, bad[0].col)
    byname = {na.name: na.value for na in e.named}
    missing = [p for p in pnodes if p.name not in byname and p.default is None]
    if missing:
        raise _missing_error(missing, e, what)
    return [byname.get(p.name) for p in pnodes]
