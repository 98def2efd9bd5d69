"""Jactl's rules for functions used before the variables they close over exist.

Functions are visible in their whole block, so one may be called before it is declared.
What it closes over must still exist when that can happen:
- a function that calls (directly or through others) a later function needs that function's
  captured variables declared before itself ("closes over variable y not yet declared");
- a function used as a value (``def h = g``) is made at that point, so it, and everything it
  needs, must be initialised by then ("closes over variable g that has not yet been
  initialised").
The resolver records, per function, the functions it uses as values and where
(``FunctionDef.value_refs``); this module checks one block once its statements are resolved.
"""

from ..errors import CompileError
from ..syntax import nodes as N


def _descendants(f):
    out, stack = [], [f]
    while stack:
        g = stack.pop()
        out.append(g)
        stack.extend(g.children)
    return out


def _err(msg, node, source):
    return CompileError(msg, node.line, node.col, source)


def check_block(block, owner, source):
    """The errors of block's functions (owned by function ``owner``) and statements."""
    pos = {}
    funcs = {}
    for i, st in enumerate(block.stmts):
        if isinstance(st, N.VarDecl) and st.sym is not None:
            pos[st.sym] = i
        elif isinstance(st, N.MultiVarDecl):
            for s in st.syms or ():
                pos[s] = i
        elif isinstance(st, N.FunDecl) and st.info is not None:
            pos[st.sym] = i
            funcs[st.info] = i
    if not funcs:
        return []
    memo = {}

    def needs(f, trail=()):
        """(variables of this block f needs, function values it makes), through the calls
        and function values of f and its nested functions."""
        if f in memo:
            return memo[f]
        if f in trail:
            return set(), set()
        vars_, vals = set(), set()
        for g in _descendants(f):
            vars_.update(s for s in g.free if s in pos)
            for callee in g.calls:
                if callee in funcs and callee is not f:
                    v, w = needs(callee, trail + (f,))
                    vars_ |= v
                    vals |= w
            for sym, _ in g.value_refs:
                if sym in pos:
                    vals.add(sym)
                    if sym.func in funcs and sym.func is not f:
                        v, w = needs(sym.func, trail + (f,))
                        vals |= v | w
        if not trail:
            memo[f] = (vars_, vals)
        return vars_, vals

    errors = []
    # function values made by the block's own statements
    for sym, at in owner.value_refs:
        p = at.get(id(block))
        if p is None or sym not in pos or sym.func not in funcs:
            continue
        v, w = needs(sym.func)
        # (the function itself may be declared at the very statement: ``def f(){..}``)
        late = [s for s in v | w if pos[s] >= p and s is not sym]
        if pos[sym] > p:
            late.append(sym)
        late.sort(key=lambda s: s.name)
        if late:
            errors.append(_initialised_error(sym.func.name, late, block.stmts[p], source))
    for f, i in funcs.items():
        v, w = needs(f)
        late_vals = [s for s in w if pos[s] > i]
        if late_vals:
            late_vals.sort(key=lambda s: s.name)
            errors.append(_initialised_error(f.name, late_vals, f.node, source))
            continue
        late = sorted((s for s in v if pos[s] > i), key=lambda s: pos[s])
        if late:
            names = ",".join(s.name for s in late)
            errors.append(_err(f"Function '{f.name}' closes over variable"
                               f"{'s' if len(late) > 1 else ''} {names} not yet declared",
                               f.node, source))
    return errors


def _initialised_error(fname, late, node, source):
    names = ",".join(s.name for s in late)
    if len(late) == 1:
        return _err(f"Function '{fname}' closes over variable {names} that has not yet been "
                    f"initialised", node, source)
    return _err(f"Function '{fname}' closes over variables {names} that have not yet been "
                f"initialised", node, source)
