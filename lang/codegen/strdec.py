"""String and Decimal fast paths: ``+``/``*``/``+=`` on statically String operands and
``+ - *``, ``+= -= *=`` and ``< <= > >=`` on statically Decimal (or Decimal and int)
operands compiled to plain Python operations.

Why: the general operators (``_add``, ``_mul``, ``_ge``...) rank their operands' types on
every call; for a String concatenation or a Decimal product that dispatch costs more than
the operation itself. Static types are only a hint here (a String variable may hold null):
each fast path tests the run-time types inline and falls back to the general operator when
the test fails, so values, errors and the size limits are exactly the general ones. Only
operands that emit no statements and cannot suspend (``lower`` false) are handled.

Value representation is unchanged: a String is a ``str``, a Decimal a ``decimal.Decimal``
(``_Dec``) in the wide exact context set by runtime/types.py.
"""

from ..syntax import nodes as N

_DEC_OPS = ("+", "-", "*")
_DEC_CMP = ("<", "<=", ">", ">=", "==", "!=")
# below this many characters a String is never measured (limits.BYTES_MIN): the general
# operators check and charge only longer results, so longer ones take the general path
_SMALL = 4096
_DEC_PARTNER = ("Decimal", "int", "def")
_PY_TYPE = {"Decimal": "_Dec", "String": "str", "int": "int"}
_LITERAL_KINDS = {"decimal": "_Dec", "string": "str", "int": "int"}


def _is_int_literal(text):
    return text.isdigit()


def sure_str(g, node):
    """Whether node's value is a ``str`` whatever happens (never null): a String literal,
    an interpolation, a String concatenation or repetition (the general operators too
    give a String or fail), a ternary of such."""
    if isinstance(node, N.Literal):
        return node.kind == "string" and type(node.value) is str
    if isinstance(node, N.InterpString):
        return True
    if isinstance(node, N.Binary):
        return node.op in ("+", "*") and g.st(node) == "String" and g.st(node.left) == "String"
    if isinstance(node, N.Ternary):
        return sure_str(g, node.then) and sure_str(g, node.else_)
    return False


def _operands(g, pairs):
    """[(node, text, python type name)] -> (names, test): each operand evaluated once, in
    order, into a walrus temp unless it is a plain name or a literal (whose type is known:
    no test); the test checks the other operands' types and evaluates all of them whatever
    the result (``&``)."""
    if all(pt == "_Dec" and _dec_sure(g, node) for node, _, pt in pairs):
        return [text for _, text, _ in pairs], "True"
    names, tests = [], []
    for node, text, pt in pairs:
        if isinstance(node, N.Literal) and node.kind in _LITERAL_KINDS and \
                _LITERAL_KINDS[node.kind] == pt and (pt != "int" or _is_int_literal(text)):
            names.append(text)
        elif pt == "str" and sure_str(g, node) and not node.lower:
            if text.isidentifier():
                names.append(text)
            else:
                g.nq += 1
                q = f"_q{g.nq}"
                names.append(q)
                tests.append(f"(({q} := {text}) is {q})")      # (evaluated here, in order)
        elif text.isidentifier():
            names.append(text)
            if not (pt == "_Dec" and isinstance(node, N.Ident) and node.sym in g.mod.dec_nonnull):
                tests.append(f"(type({text}) is {pt})")
        else:
            g.nq += 1
            q = f"_q{g.nq}"
            names.append(q)
            tests.append(f"(type({q} := {text}) is {pt})")
    return names, " & ".join(tests) if tests else "True"


def _dec_sure(g, node):
    """node's value is certainly a ``decimal.Decimal``: a Decimal literal, a Decimal local
    that never holds null (``ModuleGen.dec_nonnull``), or ``+ - *`` of such values (or
    of one and an int), which the fast path computes in Decimal or the general operator
    does."""
    if isinstance(node, N.Literal):
        return node.kind == "decimal"
    if isinstance(node, N.Ident):
        return node.sym in g.mod.dec_nonnull
    if isinstance(node, N.Binary) and node.op in _DEC_OPS and \
            not node.lower and g.st(node) == "Decimal":
        sure = [_dec_sure(g, x) for x in (node.left, node.right)]
        return all(s or g.st(x) == "int" for s, x in zip(sure, (node.left, node.right))) and \
            any(sure)
    return False


def _kinds(lt, rt, op):
    """'dec', 'str' or 'rep' (String * int) when the operand types have a fast path."""
    if op in _DEC_OPS or op in _DEC_CMP:
        # (an untyped operand is tested for Decimal: ``total * rates[region]``)
        if "Decimal" in (lt, rt) and lt in _DEC_PARTNER and rt in _DEC_PARTNER:
            return "dec"
    if op == "+" and lt == "String" and rt == "String":
        return "str"
    if op == "*" and lt == "String" and rt == "int":
        return "rep"
    return None


def _fast(g, a_node, a_text, b_node, b_text, lt, rt, op, fn):
    kind = _kinds(lt, rt, op)
    if kind is None:
        return None
    if kind == "dec":
        lt, rt = ("Decimal" if lt == "def" else lt), ("Decimal" if rt == "def" else rt)
    (a, b), test = _operands(g, [(a_node, a_text, _PY_TYPE[lt]),
                                 (b_node, b_text, _PY_TYPE[rt])])
    general = f"{fn}({a}, {b})"
    if kind == "dec":
        # an int literal is a Decimal constant in the fast operation: Decimal op Decimal
        # skips the int's conversion (the same value, exponent 0, so the same result)
        a, b = (g.mod.const(f"_Dec({t})") if isinstance(n, N.Literal) and n.kind == "int" and
                _is_int_literal(t) else t for n, t in ((a_node, a), (b_node, b)))
        fast = f"{a} {op} {b}" if op in _DEC_CMP else \
            f"(_r if (_r := {a} {op} {b}) else _dec_zero(_r))"
        # (BigDecimal has no negative zero: a zero result loses its sign, ops._fix_dec_zero)
        return f"({fast})" if test == "True" else f"({fast} if {test} else {general})"
    if kind == "str":
        return f"({a} + {b} if {test} and {_len(a_node, a)} + {_len(b_node, b)} <= {_SMALL} else {general})"
    # String * n: only small non-negative counts (the general operator checks the size
    # before building the String)
    return f"({a} * {b} if {test} and 0 <= {b} and {_len(a_node, a)} * {b} <= {_SMALL} else {general})"


def _len(node, text):
    """The length of a String operand: a literal's is known."""
    if isinstance(node, N.Literal) and node.kind == "string" and type(node.value) is str:
        return str(len(node.value))
    return f"len({text})"


def append_stmt(g, e, read, write, ttype, want_value):
    """``s += v`` as a statement on a plain local String s with a String v, in a function
    that cannot suspend: ``s += v`` in place when both are ``str`` and the result is small
    (CPython then extends s's buffer instead of copying it when nothing else holds s),
    else the general ``_add_assign``. v may assign no variable (s is read after it).
    True when emitted."""
    if e.op != "+=" or want_value or g.susp or ttype != "String" or \
            not isinstance(e.target, N.Ident) or e.target.sym is None or \
            e.target.sym.kind != "local" or e.value.lower or \
            g.st(e.value) != "String" or _assigns(e.value):
        return False
    x = read()
    if not x.isidentifier():
        return False
    v = g.expr(e.value)
    literal = isinstance(e.value, N.Literal)
    if not (v.isidentifier() or literal):
        q = g.temp()
        g.step(f"{q} = {v}")
        v = q
    test = f"type({x}) is str" if sure_str(g, e.value) else f"(type({x}) is str) & (type({v}) is str)"
    g.step(f"if {test} and len({x}) + {_len(e.value, v)} <= {_SMALL}: {x} += {v}")
    g.step(f"else: {write(g.convert(f'_add_assign({x}, {v})', None, ttype))}")
    return True


def _assigns(node):
    """Whether evaluating node may assign a variable (an assignment, ``++``/``--``)."""
    from ..resolve.suspend import walk
    return any(isinstance(x, (N.Assign, N.MultiAssign)) or
               isinstance(x, (N.Postfix, N.Unary)) and x.op in ("++", "--")
               for x in walk(node))


_STR_CMP = ("<", "<=", ">", ">=", "==", "!=")


def _ascii_literal(node):
    return isinstance(node, N.Literal) and node.kind == "string" and \
        type(node.value) is str and node.value.isascii()


def str_compare(g, e, binops):
    """``a < b``... and ``a == b`` where a String is compared with a String: Python's
    comparison of two ``str``, behind a run-time type test. ``==``/``!=`` need nothing
    more; an ordering agrees with Jactl's (UTF-16 code units) when both are ASCII, or when
    one side is an ASCII literal: at the first differing position the literal's character
    is below 0x80, where code point and code unit order agree, and a shared prefix orders
    the same in both. One side may be untyped only when the other is a String literal
    (``src[i] >= '0'``); anything that is not a ``str`` at run time takes the general
    operator with the evaluated operands."""
    op = e.op
    if op not in _STR_CMP:
        return None
    lt, rt = g.st(e.left), g.st(e.right)
    l_lit, r_lit = _ascii_literal(e.left), _ascii_literal(e.right)
    if not ((lt == "String" and rt in ("String", "def")) or
            (rt == "String" and lt in ("String", "def"))):
        return None
    if "def" in (lt, rt) and not (l_lit or r_lit):
        return None
    a_text, b_text = g.exprs([e.left, e.right])
    (a, b), test = _operands(g, [(e.left, a_text, "str"), (e.right, b_text, "str")])
    if op in ("<", "<=", ">", ">=") and not (l_lit or r_lit):
        test = f"{test} and {a}.isascii() and {b}.isascii()"
    return f"({a} {op} {b} if {test} else {binops[op]}({a}, {b}))"


def str_in(g, e, binops):
    """``s in t`` / ``s !in t`` with a String s and a String t (substring) or Map t (key):
    Python's ``in`` when both have those types at run time, else the general operator."""
    if e.op not in ("in", "!in"):
        return None
    lt, rt = g.st(e.left), g.st(e.right)
    if lt not in ("String", "def") or rt not in ("String", "Map", "def") or \
            (lt == "def" and rt == "def"):
        return None
    if rt == "def" and not (isinstance(e.right, N.Literal) and e.right.kind == "string"):
        return None     # (an untyped container: List, Map or String; the general path)
    a_text, b_text = g.exprs([e.left, e.right])
    pyop = "in" if e.op == "in" else "not in"
    (a, b), _ = _operands(g, [(e.left, a_text, "str"), (e.right, b_text, "str")])
    tests = []
    for node, text, name in ((e.left, a_text, a), (e.right, b_text, b)):
        first = name if name == text else f"({name} := {text})"
        if name == text and _ascii_literal(node) or \
                isinstance(node, N.Literal) and node.kind == "string":
            tests.append(None)
        else:
            tests.append(first)
    conds = ([f"(type({tests[0]}) is str)"] if tests[0] else []) + \
        ([f"(type({tests[1]}) is {'dict' if rt == 'Map' else 'str'})"] if tests[1] else [])
    test = " & ".join(conds) or "True"
    return f"({a} {pyop} {b} if {test} else {binops[e.op]}({a}, {b}))"


def binary(g, e, binops):
    """Text for a Binary node with String/Decimal operands, or None."""
    if e.left.lower or e.right.lower:
        return None
    fast = str_compare(g, e, binops) or str_in(g, e, binops)
    if fast is not None:
        return fast
    lt, rt = g.st(e.left), g.st(e.right)
    if _kinds(lt, rt, e.op) is None:
        return None
    a, b = g.exprs([e.left, e.right])
    return _fast(g, e.left, a, e.right, b, lt, rt, e.op, binops[e.op])


def compound(g, e, cur, v, ttype, vtype, op):
    """New value of ``x op= v`` for a local String/Decimal x, or None."""
    if op not in ("+=", "-=", "*=") or not isinstance(e.target, N.Ident) or \
            e.target.sym is None or e.target.sym.kind != "local" or \
            e.value.lower or ttype not in ("String", "Decimal"):
        return None
    pop = op[:-1]
    fn = "_add_assign" if op == "+=" else ("_sub" if op == "-=" else "_mul")
    if ttype == "String" and pop != "+":
        return None
    return _fast(g, e.target, cur, e.value, v, ttype, vtype, pop, fn)


def convert(node, tname):
    """``Decimal d = 0``: an int literal stored into a Decimal is a Decimal constant (what
    ``_cv`` would build at run time), or None."""
    if tname == "Decimal" and isinstance(node, N.Literal) and node.kind == "int" and \
            type(node.value) is int:
        return f"_Dec({node.value!r})"
    return None


def interp_part(g, node, ex):
    """``"${i}"`` with i statically int or long: an int's (a long's) text is ``int.__repr__`` (what ``_str``
    calls for an int) without the type dispatch; other values take ``_str``. Or None."""
    py = _DIGITS.get(g.st(node))
    if py is None:
        return None
    if ex.isidentifier():
        return f"(_istr({ex}) if type({ex}) is {py} else _str({ex}))"
    g.nq += 1
    q = f"_q{g.nq}"
    return f"(_istr({q}) if type({q} := {ex}) is {py} else _str({q}))"


# static types whose values' text is their digits (int.__repr__) when of this Python type
_DIGITS = {"int": "int", "long": "_Long"}


def interpolation(g, parts, vals):
    """``"...${a}...${b}..."``: one Python %-format of the literal pieces, each value a
    ``%s`` argument that is a ``str`` or an ``int`` at run time (whose ``%s`` text is
    Jactl's: the String itself, ``int.__str__``), anything else converted by ``_str`` first.
    One formatting operation builds the result, not a concatenation per piece.
    parts: the node's str pieces and Expr pieces; vals: the Expr pieces' texts."""
    fmt, args = [], []
    vals = iter(vals)
    for p in parts:
        if isinstance(p, str):
            fmt.append(p.replace("%", "%%"))
            continue
        ex = next(vals)
        fmt.append("%s")
        st = g.st(p)
        if ex.isidentifier():
            q, first = ex, ex
        else:
            g.nq += 1
            q = f"_q{g.nq}"
            first = f"({q} := {ex})"
        if _is_int_literal(ex):
            args.append(ex)
        elif st == "String":
            args.append(f"({q} if type({first}) is str else _str({q}))")
        elif st == "int":
            args.append(f"({q} if type({first}) is int else _str({q}))")
        elif st == "long":
            args.append(f"(_istr({q}) if type({first}) is _Long else _str({q}))")
        else:
            args.append(f"({q} if type({first}) is str or type({q}) is int else _str({q}))")
    return f"{''.join(fmt)!r} % ({', '.join(args)},)"


def sprintf_call(g, e, args):
    """``sprintf('...', a, b)`` with a literal format that runtime/fastformat.py turns into
    a Python %-format: the format is compiled here, and the call is that format applied
    inline when each argument has a type whose Python formatting is Java's (an int or
    long for ``%d``, a String or int for ``%s``; a statically int argument is not tested)
    and the result is short (no size to check or charge). Otherwise the general
    ``sprintf`` runs with the evaluated arguments. Or None."""
    from ..runtime.fastformat import compile_format
    if e.named or not args or not isinstance(e.args[0], N.Literal) or \
            e.args[0].kind != "string" or type(e.args[0].value) is not str:
        return None
    if any(a.lower for a in e.args):
        return None
    c = compile_format(e.args[0].value)
    if not c or len(args) - 1 < len(c[1]):
        return None
    pyfmt, kinds = c
    names, tests = [], []
    for node, text, k in zip(e.args[1:], args[1:], kinds + ("",) * (len(args) - 1 - len(kinds))):
        st = g.st(node)
        if _is_int_literal(text) or (text.isidentifier() and st == "int"):
            names.append(text)
            continue
        g.nq += 1
        q = f"_q{g.nq}"
        names.append(q)
        if st == "int" or not k:     # (an extra argument is only evaluated)
            tests.append(f"(({q} := {text}) is {q})")
        else:
            tests.append(f"(type({q} := {text}) in {'_FMT_D' if k == 'd' else '_FMT_S'})")
    used = names[:len(kinds)]
    tup = "(" + ", ".join(used) + ("," if len(used) == 1 else "") + ")"
    test = " & ".join(tests) if tests else "True"
    g.nq += 1
    q = f"_q{g.nq}"
    general = f"_B_sprintf(_RT, {args[0]}{''.join(', ' + n for n in names)})"
    return f"({q} if {test} and len({q} := {pyfmt!r} % {tup}) <= {_SMALL} else {general})"


def as_int(g, e):
    """``s as int`` for a String of at most 9 ASCII digits (``$11 as int`` after a match):
    Python's int(), the value Integer.parseInt gives and always in range; anything else
    (signs, long texts, other types, null) takes ``_as``. Or None."""
    if e.type.name != "int" or e.type.dims or e.expr.lower:
        return None
    g.nq += 1
    q = f"_q{g.nq}"
    return (f"(int({q}) if type({q} := {g.expr(e.expr)}) is str and len({q}) < 10 and "
            f"{q}.isdigit() and {q}.isascii() else _as({q}, 'int'))")


def capture(g, groups, n):
    """``$n`` after a match: the group list's element (runtime/regex.py ``capture``)."""
    if groups.isidentifier():
        return f"({groups}[{n}] if type({groups}) is list and {n} < len({groups}) else _cap({groups}, {n}))"
    g.nq += 1
    q = f"_q{g.nq}"
    return f"({q}[{n}] if type({q} := {groups}) is list and {n} < len({q}) else _cap({q}, {n}))"
