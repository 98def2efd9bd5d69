"""Fast lowering for untyped (def) code: the straight-line copy of a resumable function.

A function that *may* suspend (it calls a function value, a host function, ``sleep``...)
is generated resumable: every statement is guarded by ``if not _pc`` so a restored frame
can be re-entered at its resume point. Those guards are paid on every run although almost
every call never suspends, and never resumes.

So such a function gets two Python functions built from the same generated lines:

* ``_fN_r``: the resumable one, unchanged; only resumes (``_fr`` given) go there;
* ``_fN``: the same lines partially evaluated for ``_pc == 0`` and ``_fr is None`` (a first
  entry): every ``if not _pc`` guard is gone, every ``if _pc == k: t = _rv`` branch is gone.
  Its suspend sites are untouched: a ``Suspend`` passing through one records the same
  frame (function, resume point, locals tuple) the resumable copy would, because both run
  the same statements on the same locals. The frame is resumed by ``_fN_r``.

The copy works on the emitter's lines (indent, text, script position): the guards come
from a handful of fixed shapes in codegen.py (``step``, ``guard_open``, ``suspend_call``,
``if_stmt_raw``, the frame prologue); any other line is kept as it is. Each line keeps its
script position, so errors in the fast copy report the same script line.
"""

import ast
import re

from ..syntax import nodes as N
from ..runtime.limits import CHARS_PER_UNIT
from ..runtime.builtin_facts import CLOSURE_METHODS, LAZY_STAGES

_PC_TRUE = r"not _pc|not _pc or _pc == \d+|not _pc or \d+ <= _pc <= \d+|_fr is None"
_PC_FALSE = r"_pc == \d+|\d+ <= _pc <= \d+"
_HEADER = re.compile(r"(if|elif) (.*):$")
_ONE_LINE = re.compile(r"if not _pc: (.+)$")
_COND_PC_RANGE = re.compile(r"if \(\d+ <= _pc <= \d+ if _pc else (.*)\):$")
_COND_NOT_PC = re.compile(r"if \(not _pc and (.*)\):$")
_ELIF_PC = re.compile(r"elif \((?:\d+ <= _pc <= \d+ if _pc else |not _pc and )(.*)\):$")
_TRUE = re.compile(f"(?:{_PC_TRUE})$")
_FALSE = re.compile(f"(?:{_PC_FALSE})$")


class _Node:
    __slots__ = ("text", "line", "col", "kids")

    def __init__(self, text, line, col):
        self.text = text
        self.line = line
        self.col = col
        self.kids = []


def _tree(lines):
    """Lines (indent, text, line, col) as a tree; indentation written into a line's text
    (``"    x = 1"``) counts like emitter indentation."""
    root = _Node("", 0, 0)
    stack = [(-1, root)]
    for ind, text, line, col in lines:
        stripped = text.lstrip(" ")
        ind += (len(text) - len(stripped)) // 4
        node = _Node(stripped, line, col)
        while stack[-1][0] >= ind:
            stack.pop()
        stack[-1][1].kids.append(node)
        stack.append((ind, node))
    return root


def _cond(text):
    """A chain clause's condition with ``_pc == 0``: True, False or None (not known)."""
    if text == "else:":
        return True, None
    m = _HEADER.match(text)
    if not m:
        return None, None
    c = m.group(2)
    if _TRUE.match(c):
        return True, c
    if _FALSE.match(c):
        return False, c
    return None, c


def _fold(kids):
    """The statements of a block with ``_pc == 0`` folded in."""
    out = []
    i = 0
    n = len(kids)
    while i < n:
        node = kids[i]
        t = node.text
        if not node.kids:
            m = _ONE_LINE.match(t)
            if m:
                out.append(_Node(m.group(1), node.line, node.col))
            else:
                out.append(node)
            i += 1
            continue
        if not t.startswith("if "):
            out.append(_for_loop(node, _fold(node.kids)))
            i += 1
            continue
        m = _COND_PC_RANGE.match(t) or _COND_NOT_PC.match(t)
        if m:
            t = f"if {m.group(1)}:"
        # an if/elif/else chain
        chain = [(t, node)]
        i += 1
        while i < n and (kids[i].text.startswith("elif ") or kids[i].text == "else:") \
                and kids[i].kids:
            m = _ELIF_PC.match(kids[i].text)
            chain.append((f"elif {m.group(1)}:" if m else kids[i].text, kids[i]))
            i += 1
        kept = []
        for text, clause in chain:
            v, c = _cond(text)
            if v is False:
                continue
            body = _fold(clause.kids)
            if v is True:
                if not kept:
                    out.extend(body)
                else:
                    kept.append(_block(clause, "else:", body))
                break
            kept.append(_block(clause, f"{'elif' if kept else 'if'} {c}:", body))
        out.extend(kept)
    return out


_INDEX_END = re.compile(r"if (_t\d+) >= len\((_t\d+)\): break$")
_ELEMENT = re.compile(r"([A-Za-z_]\w*) = (_t\d+)\[(_t\d+) - 1\]$")


def _for_loop(node, body):
    """A resumable for-in's index loop (``while True:`` / ``if i >= len(src): break`` /
    ``i += 1`` / ``x = src[i - 1]``) as ``for i, x in enumerate(src, 1):``: the same steps
    (a list iterator re-reads the length each time too), so a suspend site in the body
    still records the index the resumable copy continues from. Other blocks unchanged."""
    if node.text == "while True:" and len(body) >= 3 and not body[0].kids and \
            (m := _INDEX_END.match(body[0].text)) and body[1].text == f"{m.group(1)} += 1" \
            and not body[1].kids and not body[2].kids and (e := _ELEMENT.match(body[2].text)) \
            and e.group(2) == m.group(2) and e.group(3) == m.group(1):
        return _block(node, f"for {m.group(1)}, {e.group(1)} in enumerate({m.group(2)}, 1):",
                      body[3:])
    return _block(node, node.text, body)


def _block(node, header, body):
    b = _Node(header, node.line, node.col)
    b.kids = body or [_Node("pass", node.line, node.col)]
    return b


def _flatten(nodes, ind, out):
    for node in nodes:
        out.append((ind, node.text, node.line, node.col))
        _flatten(node.kids, ind + 1, out)


def add_fast_variant(lines, start, fid, args):
    """lines[start:] is the resumable ``def _f<fid>(args)``: rename it ``_f<fid>_r`` and
    append the copy for first entries under the old name, which hands a resume (``_fr``
    given) to ``_f<fid>_r``. Returns False (lines untouched) if the shape is unexpected."""
    own = lines[start:]
    head = f"def _f{fid}({', '.join(args)}):"
    if not own or own[0][1] != head or any("\n" in ln[1] for ln in own):
        return False
    base = own[0][0]
    root = _tree([(ind - base, text, line, col) for ind, text, line, col in own])
    fn = root.kids[0]
    body = _fold(fn.kids)
    names = [a.split("=")[0] for a in args if not a.startswith("_fr") and not a.startswith("_rv")]
    fwd = ", ".join(names + ["_fr=_fr", "_rv=_rv"])
    delegate = _Node(f"if _fr is not None: return _f{fid}_r({fwd})", fn.line, fn.col)
    out = []
    _flatten([delegate] + body, base + 1, out)
    ind0, _, line0, col0 = own[0]
    lines[start] = (ind0, f"def _f{fid}_r({', '.join(args)}):", line0, col0)
    lines.append((ind0, head, line0, col0))
    lines.extend(out)
    return True


_NAME = re.compile(r"[A-Za-z_]\w*$")


def call_value(g, fv, args, arg_types=()):
    """``f(a, b)`` on a function value: a closure with captured variables and exactly
    these untyped parameters is called inline (``fn.fc``: FunctionInfo), or all-int
    parameters (``fn.fci``) given arguments that are ints statically or, when they are
    variables, at run time; else a fixed-arity fast call (runtime/fastcalls.py) for up to
    three arguments, the general ``_call`` otherwise."""
    if len(args) <= 3:
        q = _q(g)
        fn = _q(g)      # the closure's FunctionInfo, looked up once
        n = len(args)
        if args and all(t == "int" for t in arg_types):
            test = f"({fn} := {q}.fn).fci == {n}"
        elif args and all(_NAME.match(a) for a in args):
            # arguments in variables: all-int parameters take them when they are ints
            ints = " and ".join(f"type({a}) is int" for a in args)
            test = f"(({fn} := {q}.fn).fc == {n} or {fn}.fci == {n} and {ints})"
        else:
            test = f"({fn} := {q}.fn).fc == {n}"
        return (f"({fn}.pyfunc({', '.join([q + '.cells'] + list(args))}) "
                f"if type({q} := {fv}) is _Closure and {test} "
                f"else _call{n}({', '.join([q] + list(args))}))")
    return f"_call({fv}, ({', '.join(args)}))"


def method_call(g, obj, name, args, consumer=None):
    """``x.name()`` / ``x.name(a)`` with a literal name and no closure argument: the
    per-type dispatch of runtime/fastcalls.py. Closure-taking methods (they have their own
    fast paths and suspend handling) call ``_invoke_eager``; lazy stages the general
    ``_invoke``, except a ``map``/``filter`` whose List ``consumer`` (the method called on
    the result) takes whole without calling a closure or evaluating anything first."""
    if name in CLOSURE_METHODS or name in LAZY_STAGES:
        eager = name not in LAZY_STAGES and name != "reduce" or \
            name in ("map", "filter") and _consumes_whole(consumer)
        call = "_invoke_eager" if eager else "_invoke"
        return f"{call}({obj}, {name!r}, ({', '.join(args)}{',' if len(args) == 1 else ''}))"
    if name == "size" and not args:     # a List's or String's length, inline
        q = _q(g)
        return f"(len({q}) if type({q} := {obj}) is list or type({q}) is str else _meth0({q}, 'size'))"
    if name in _STR_CASE and not args:  # short Strings: no work to charge (limits.charge_chars)
        q = _q(g)
        return f"({q}.{_STR_CASE[name]}() if type({q} := {obj}) is str and len({q}) < 64 " \
            f"else _meth0({q}, {name!r}))"
    if name == "substring" and len(args) in (1, 2):   # in bounds: a slice (strings.str_substring)
        q = _q(g)
        names, tests = [], [f"(type({q} := {obj}) is str)"]
        for a in args:
            if a.isidentifier() or a.isdigit():
                names.append(a)
            else:
                qa = _q(g)
                names.append(qa)
                a = f"({qa} := {a})"
            if not a.isdigit():
                tests.append(f"(type({a}) is int)")
        bounds = " <= ".join(["0"] + names + [f"len({q})"])
        return f"({q}[{':'.join(names) if len(names) == 2 else names[0] + ':'}] if " \
            f"{' & '.join(tests)} and {bounds} else _meth{len(args)}({q}, 'substring', {', '.join(names)}))"
    if name == "remove" and len(args) == 1:
        # a List index in bounds / a String Map key: list.pop / dict.pop (methods.py:
        # m_list_remove, m_map_remove); a Map holding a "remove" entry calls that
        q = _q(g)
        a = args[0]
        if not (a.isidentifier() or a.isdigit()):
            qa = _q(g)
            a, first = qa, f"({qa} := {a})"
        else:
            first = a
        return f"({q}.pop({a}) if (type({q} := {obj}) is list) & (type({first}) is int) and " \
            f"-1 < {a} < len({q}) else {q}.pop({a}, None) if type({q}) is dict and " \
            f"type({a}) is str and 'remove' not in {q} else _meth1({q}, 'remove', {a}))"
    if name == "sum" and not args:      # a List: methods.sum_list
        q = _q(g)
        return f"(_suml({q}) if type({q} := {obj}) is list else _meth0({q}, 'sum'))"
    if name == "join" and len(args) == 1:   # a List of Strings: str.join (methods.join_list)
        q = _q(g)
        return f"(_joinl({q}, {args[0]}) if type({q} := {obj}) is list else _meth1({q}, 'join', {args[0]}))"
    if name == "split" and len(args) == 1 and _literal_separator(args[0]):
        # short Strings (no work to charge) split by a literal: str.split (strings.str_split)
        q = _q(g)
        return f"({q}.split({args[0]}) if type({q} := {obj}) is str and len({q}) < {CHARS_PER_UNIT} " \
            f"else _meth1({q}, 'split', {args[0]}))"
    return f"_meth{len(args)}({', '.join([obj, repr(name)] + list(args))})"


def _literal_separator(text):
    """A String literal that str_split treats as a plain separator (no regex meta)."""
    from ..runtime.strings import REGEX_META
    if text[:1] not in ("'", '"'):
        return False
    try:
        v = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    return type(v) is str and v != "" and REGEX_META.isdisjoint(v)


_STR_CASE = {"toLowerCase": "lower", "toUpperCase": "upper"}
# methods that read a whole List and call no closure (collect/collectEntries: without
# a closure argument, as _consumes_whole requires literal arguments)
_WHOLE = frozenset(("sum", "avg", "join", "size", "collect", "collectEntries"))


def _consumes_whole(e):
    """e (a method call on a lazy stage) drains it entirely, and its arguments are literals
    (so nothing runs between the stage's creation and its draining)."""
    return isinstance(e, N.MethodCall) and e.name in _WHOLE and not e.named and \
        not e.null_safe and all(isinstance(a, N.Literal) for a in e.args)


# ---------------------------------------------------------------------- inline fast paths
#
# Untyped ``x[i]``, ``x[i] = v`` and conditions: the common case (a List with an int index
# inside its bounds, a Map with a String key, a boolean condition) is tested inline and
# done with Python's own operation; anything else calls the runtime function, which has
# all of Jactl's rules (negative indices, auto-extension, arrays, strings, errors).

def iter_list(g, it):
    """What a for-in iterates: a List itself inline, else runtime/access.py: iter_list."""
    q = _q(g)
    return f"({q} if type({q} := {it}) is list else _iter_list({q}))"


class Comprehension:
    """An inlined map/filter stage: ``[elem for first in _pipe_src(src, name, stages) rest]``
    (``rest``: the later clauses of the stages fused into it)."""

    __slots__ = ("src", "name", "stages", "first", "rest", "elem")

    def __init__(self, src, name, stages, first, rest, elem):
        self.src, self.name, self.stages = src, name, stages
        self.first, self.rest, self.elem = first, rest, elem

    def text(self):
        return (f"[{self.elem} for {self.first} in _pipe_src({self.src}, {self.name!r}, "
                f"{self.stages}){self.rest}]")


def fusable(receiver, o):
    """receiver (an inlined stage's Comprehension, or None) when o is its text, else None."""
    return receiver if receiver is not None and receiver.text() == o else None


def comprehension(receiver, o, var, name, val, cond=None):
    """The inlined stage ``o.map{ var -> val }`` (cond None) or ``o.filter{ var -> cond }``.
    When o is a fusable inlined stage (``receiver``: see fusable), this one continues
    its clauses (``if ((var := elem) or True)``: an assignment; ``for var in [elem]``
    would be too, but Python forbids := in a clause's iterable) instead of iterating the
    List it would build: elements go through the stages one at a time, as in Jactl's
    lazy chains; the source is charged once per stage, as each stage charges its input."""
    if receiver is not None:
        r = receiver
        src, name, stages, first = r.src, r.name, r.stages + 1, r.first
        rest = f"{r.rest} if (({var} := {r.elem}) or True)"
    else:
        src, stages, first, rest = o, 1, var, ""
    if cond is None:
        return Comprehension(src, name, stages, first, rest, val)
    return Comprehension(src, name, stages, first, f"{rest} if {cond}", var)


def _q(g):
    g.nq += 1
    return f"_q{g.nq}"


def index_read(g, o, i, ist, ost="def", fallback="_index"):
    """``o[i]`` (o, i: the texts of the evaluated operands; ist, ost: the index's and the
    object's static types). A statically String object is tested for ``str`` instead of
    ``list``: a String indexed in bounds is Python's ``s[i]`` (one code point, as
    access.index gives). fallback: the general function the failed tests call."""
    seq = "str" if ost == "String" else "list"
    if not o.isidentifier():
        qo = _q(g)
        o_first, o = f"({qo} := {o})", qo
    else:
        o_first = o
    if ist in ("int", "String") or i.isidentifier() or _is_literal(i):
        i_first = i if (i.isidentifier() or _is_literal(i)) else None
        if i_first is None:
            qi = _q(g)
            i_first, i = f"({qi} := {i})", qi
    else:
        qi = _q(g)
        i_first, i = f"({qi} := {i})", qi
    if i.isdigit():     # a literal index: no test of its type or sign
        lst = f"{o}[{i}] if type({o_first}) is {seq} and {i} < len({o})"
    elif ist == "int":  # an int index: no test of its type
        lst = f"{o}[{i}] if (type({o_first}) is {seq}) & (0 <= {i_first}) and {i} < len({o})"
    else:
        lst = f"{o}[{i}] if (type({o_first}) is {seq}) & (type({i_first}) is int) and 0 <= {i} < len({o})"
    mp = f"{o}.get({i}) if (type({o_first}) is dict) & (type({i_first}) is str)"
    if ist == "int" or _is_int(i):
        return f"({lst} else {fallback}({o}, {i}))"
    if ist == "String" or _is_str(i):
        return f"({mp} else {fallback}({o}, {i}))"
    # both: the second test sees the operands the first one evaluated
    mp2 = f"{o}.get({i}) if type({o}) is dict and type({i}) is str"
    return f"({lst} else {mp2} else {fallback}({o}, {i}))"


def null_tolerant_index(g, node):
    """``m[k] ?: d`` (the left side of ``?:`` is null when a null is met evaluating it) with
    m and k plain variables or literals: nothing but the indexing itself can meet a null,
    so the inline index paths run as they are and only the general fallback turns a
    NullError into null (``_index_tol``), instead of wrapping the whole expression in a
    closure for ``_try_null``. Likewise ``m.name ?: d`` (``_field_tol``) when m is not an
    instance of a known class. Or None."""
    from ..syntax import nodes as N
    if isinstance(node, N.Field) and not node.null_safe and isinstance(node.name, str) and \
            isinstance(node.obj, N.Ident) and g.st(node.obj) in ("def", "var", "Map"):
        o = g.expr(node.obj)
        return field_read(g, o, node.name, "_field_tol") if o.isidentifier() else None
    if not isinstance(node, N.Index) or node.null_safe or \
            not isinstance(node.obj, N.Ident) or not isinstance(node.index, (N.Ident, N.Literal)):
        return None
    o, i = g.exprs([node.obj, node.index])
    if not (o.isidentifier() and (i.isidentifier() or _is_literal(i))):
        return None
    return index_read(g, o, i, g.st(node.index), g.st(node.obj), "_index_tol")


def compound_start(g, cur, v):
    """The current value of a map entry/element under ``op=``/``++`` (v: the operand, a
    name or literal): itself when not null (no call), else the operator's zero
    (``_dflt``)."""
    if cur.isidentifier():
        return f"({cur} if {cur} is not None else _dflt(None, {v}))"
    q = _q(g)
    return f"({q} if ({q} := {cur}) is not None else _dflt(None, {v}))"


def index_store(g, ot, it, v, ist):
    """The statement ``ot[it] = v`` for temps ot, it (emitted through g.step)."""
    conds = []
    fn = "_setindex"
    if ist == "field":      # ``ot.name = v``, it: the name's literal
        fn = "_setfield"
        conds.append(f"type({ot}) is dict")
    elif ist == "int":
        conds.append(f"type({ot}) is list and 0 <= {it} < len({ot})")
    elif ist in ("def", "var", None):
        conds.append(f"type({ot}) is list and type({it}) is int and 0 <= {it} < len({ot})")
    if ist in ("String", "def", "var", None):
        conds.append(f"type({ot}) is dict and type({it}) is str")
    if not conds:
        g.step(f"{fn}({ot}, {it}, {v})")
        return
    c = " or ".join(f"({c})" for c in conds) if len(conds) > 1 else conds[0]
    lines = []
    if not (v.isidentifier() or _is_literal(v)):
        # the value first (it may change the container the test looks at)
        q = _q(g)
        lines.append(f"{q} = {v}")
        v = q
    lines += [f"if {c}: {ot}[{it}] = {v}", f"else: {fn}({ot}, {it}, {v})"]
    if g.susp:
        g.em.emit("if not _pc:")
        for ln in lines:
            g.em.emit("    " + ln)
    else:
        for ln in lines:
            g.em.emit(ln)


def truthy(g, v):
    """Jactl truth of a value whose static type is not boolean."""
    q = _q(g)
    return f"({q} if type({q} := {v}) is bool else _tr({q}))"


def _is_literal(v):
    return _is_int(v) or _is_str(v)


def _is_int(v):
    return v.isdigit() or (v.startswith("-") and v[1:].isdigit())


def _is_str(v):
    return len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"" and "\\" not in v and v.count(v[0]) == 2


class StoreText(str):
    """The text ``_setindex(ot, it, v)`` (usable anywhere a statement text is), which
    FuncGen.step emits as the inline fast store when it is a whole statement."""

    def __new__(cls, g, ot, it, v, ist):
        fn = "_setfield" if ist == "field" else "_setindex"
        s = super().__new__(cls, f"{fn}({ot}, {it}, {v})")
        s.parts = (ot, it, v, ist)
        return s

    def emit(self, g):
        index_store(g, *self.parts)


# ``x * 1103515245L`` with x untyped: when x holds a long (or an int, promoted), 64-bit
# arithmetic inline; the long literal is used as a plain int (no Long made per use).
_LONG_LIT = re.compile(r"_Long\((-?\d+)\)$")
_LONG_MIN, _LONG_MAX = -(1 << 63), (1 << 63) - 1


def fast_long(g, l, r, lt, rt, op, fn):
    if op not in ("+", "-", "*", "%") or {lt, rt} != {"def", "long"}:
        return None
    vals, args, conds = [], [], []
    for x, t in ((l, lt), (r, rt)):
        m = _LONG_LIT.match(x)
        if t == "long":
            if not m:
                return None
            vals.append(m.group(1))
            args.append(x)
            continue
        if x.isidentifier():
            first = v = x
        else:
            v = _q(g)
            first = f"({v} := {x})"
        vals.append(v)
        args.append(v)
        conds.append(f"(type({first}) is _Long or type({v}) is int)")
    a, b = vals
    c = conds[0]
    if op == "%":
        if not (rt == "long" and int(b) > 0):
            return None     # Python's % is Jactl's only for a positive divisor
        return f"(_Long({a} % {b}) if {c} else {fn}({args[0]}, {args[1]}))"
    return (f"(_Long(_r) if {c} and {_LONG_MIN} <= (_r := {a} {op} {b}) <= {_LONG_MAX} "
            f"else {fn}({args[0]}, {args[1]}))")


def field_read(g, o, name, fallback="_field"):
    """``o.name`` (name a literal): a Map entry that is there and not null is read inline;
    anything else (a missing entry, which may name a method, class instances, null) calls
    ``_field`` (or fallback)."""
    if o.isidentifier():
        first = o
    else:
        qo = _q(g)
        first, o = f"({qo} := {o})", qo
    q = _q(g)
    return (f"({q} if type({first}) is dict and ({q} := {o}.get({name!r})) is not None "
            f"else {fallback}({o}, {name!r}))")


def switch_literal(v, lit):
    """A switch case's literal pattern: an int or String literal matches a value of the
    same type by ``==`` inline (v is a side-effect-free text); others call ``_sw_eq``."""
    if _is_int(lit):
        return f"({v} == {lit} if type({v}) is int else _sw_eq({v}, {lit}))"
    if _is_str(lit):
        return f"({v} == {lit} if type({v}) is str else _sw_eq({v}, {lit}))"
    return f"_sw_eq({v}, {lit})"


def string_eq(g, l, r, op, fn):
    """``x == 'lit'`` / ``x != 'lit'`` with x untyped: a String compares by ``==`` inline."""
    if op not in ("==", "!="):
        return None
    if _is_str(r):
        x, lit, left = l, r, True
    elif _is_str(l):
        x, lit, left = r, l, False
    else:
        return None
    if x.isidentifier():
        first = x
    else:
        q = _q(g)
        first, x = f"({q} := {x})", q
    args = f"{x}, {lit}" if left else f"{lit}, {x}"
    return f"({x} {op} {lit} if type({first}) is str else {fn}({args}))"


_EXACT = {"int": "int", "String": "str", "boolean": "bool", "Decimal": "_Dec", "List": "list",
          "Map": "dict"}


def exact_convert(g, v, tname, fn="_cv"):
    """An untyped value stored into an int/String/boolean variable (or passed to such a
    parameter: fn ``_cv_arg``): a value already of that type needs no conversion (tested
    inline); others call ``fn``."""
    t = _EXACT.get(tname)
    if t is None:
        return None
    if v.isidentifier():
        return f"({v} if type({v}) is {t} else {fn}({v}, {tname!r}))"
    q = _q(g)
    return f"({q} if type({q} := {v}) is {t} else {fn}({q}, {tname!r}))"


def _int_operands(g, l, r, lt, rt):
    """Operand texts for an inline int path and its test (both operands evaluated once,
    in order): (a, b, test) — test None when both are statically int."""
    vals, tests = [], []
    for x, t in ((l, lt), (r, rt)):
        if x.isidentifier() or _is_int(x):
            vals.append(x)
            if t != "int" and not _is_int(x):
                tests.append(f"(type({x}) is int)")
        else:
            q = _q(g)
            vals.append(q)
            tests.append(f"(type({q} := {x}) is int)" if t != "int" else f"(({q} := {x}) is not None)")
    return vals[0], vals[1], " & ".join(tests) or None


def int_ops(g, l, r, lt, rt, op, fn):
    """``/`` and ``<=>`` on untyped operands that are ints at run time: Python's floor
    division when both are non-negative (Java's truncation agrees there), and the
    comparison's -1/0/1 from two tests."""
    if op not in ("/", "<=>") or lt not in ("int", "def") or rt not in ("int", "def") \
            or (lt == "int" and rt == "int" and op == "<=>"):
        return None
    a, b, test = _int_operands(g, l, r, lt, rt)
    if op == "/":
        pos = [f"{b} > 0"] if not (_is_int(b) and int(b) > 0) else []
        if not (_is_int(a) and int(a) >= 0):
            pos.insert(0, f"{a} >= 0")
        c = " and ".join(([test] if test else []) + pos) or "True"
        return f"({a} // {b} if {c} else {fn}({a}, {b}))"
    if test is None:
        return None
    # ASCII Strings order by code point, which is Java's UTF-16 order (others: _cmp)
    strs = f"type({a}) is type({b}) is str and {a}.isascii() and {b}.isascii()"
    return f"(({a} > {b}) - ({a} < {b}) if {test} or {strs} else {fn}({a}, {b}))"


def list_append(g, fn, cur, v):
    """``x <<= v`` with x untyped: a List appends in place inline."""
    if fn != "_shl_assign":
        return None
    q = _q(g)       # the List as read before v is evaluated (as the general path has it)
    return f"({q}.append({v}) or {q} if type({q} := {cur}) is list else {fn}({q}, {v}))"


def str_part(g, ex):
    """A value interpolated into a String: a String is itself (no call)."""
    if ex.isidentifier():
        return f"({ex} if type({ex}) is str else _str({ex}))"
    q = _q(g)
    return f"({q} if type({q} := {ex}) is str else _str({q}))"


# ``acc + x * d`` with untyped values that hold longs at run time (``def x = 12345L``):
# when the int path's type test fails, a second inline test admits a long operand (the
# other a long or an int) and does the 64-bit arithmetic or comparison without calling
# the general operator. Two ints never take this path (an int overflow wraps to int).
_CMP = ("<", "<=", ">", ">=", "==", "!=")


def _long_test(a, b, at, bt):
    """Test that at least one of a, b is a Long and the other a Long or an int (at/bt: the
    static types, 'int' when known to be an int)."""
    ints = [t == "int" or _is_int(x) for x, t in ((a, at), (b, bt))]
    if ints[0] and ints[1]:
        return None
    if ints[0]:
        return f"type({b}) is _Long"
    if ints[1]:
        return f"type({a}) is _Long"
    return (f"((type({a}) is _Long and (type({b}) is _Long or type({b}) is int)) or "
            f"(type({a}) is int and type({b}) is _Long))")


def long_fallback(a, b, at, bt, op, fn):
    """The else branch of an inline int operation: the long tier, then ``fn``. a and b are
    side-effect-free texts (names or literals) already evaluated."""
    general = f"{fn}({a}, {b})"
    if op in ("+", "-", "*", "<", "<=", ">", ">="):
        # then doubles: float arithmetic / comparison with a float or an int (an int
        # converts exactly; a Long does not always, it keeps the general operator)
        if at == "int" or _is_int(a):
            ft = f"type({b}) is float"
        elif bt == "int" or _is_int(b):
            ft = f"type({a}) is float"
        else:
            ft = (f"(type({a}) is float and (type({b}) is float or type({b}) is int) or "
                  f"type({a}) is int and type({b}) is float)")
        general = f"({a} {op} {b} if {ft} else {general})"
    test = _long_test(a, b, at, bt)
    if op in ("==", "!=") and "int" not in (at, bt) and not (_is_int(a) or _is_int(b)):
        # two Strings are equal exactly when Python's == says so
        strs = f"type({a}) is type({b}) is str"
        test = strs if test is None else f"{strs} or {test}"
    if test is None:
        return general
    if op in ("+", "-", "*"):
        return (f"(_Long(_r) if {test} and {_LONG_MIN} <= (_r := {a} {op} {b}) <= {_LONG_MAX} "
                f"else {general})")
    if op == "%" and _is_int(b) and int(b) > 0:
        return f"(_Long({a} % {b}) if {test} else {general})"
    if op in _CMP:
        return f"({a} {op} {b} if {test} else {general})"
    return general


def untyped_index(x):
    """For the counting-loop purity test (typed.py ``_pure``): ``x[i]`` and ``x[i] = v``
    on an untyped (def, List or Map) value with an int index run no user code — a List,
    Map, String or array is indexed, null (store) becomes a List, anything else is an
    error — and variables never hold lazy stages (they are made Lists when stored). So
    such a loop body cannot assign a global that bounds the loop. The operands are still
    checked by the caller."""
    from ..syntax import nodes as N
    if isinstance(x, N.Assign):
        if x.op != "=" or not isinstance(x.target, N.Index):
            return False
        x = x.target
    if not isinstance(x, N.Index) or x.null_safe:
        return False
    return x.obj.stype in ("def", "List", "Map") and \
        x.index.stype == "int"


# operators whose operands gain from being known ints (the int-specialised copy of a body)
_NUMERIC_OPS = ("+", "-", "*", "/", "%", "%%", "<", "<=", ">", ">=", "==", "!=", "<=>",
                "&", "|", "^", "<<", ">>", ">>>")


def numeric_uses(body):
    """Symbols used directly as an operand of arithmetic, a comparison, a bit operator,
    ``-``/``~``/``++``/``--`` or as an index in body (nested functions excluded): the
    parameters worth an int-specialised copy of a function. A parameter only passed on,
    switched on or used as a receiver would make every call take the general copy."""
    from ..resolve.suspend import walk
    from ..syntax import nodes as N
    out = set()
    for x in walk(body):
        if isinstance(x, N.Binary) and x.op in _NUMERIC_OPS:
            operands = (x.left, x.right)
        elif isinstance(x, (N.Unary, N.Postfix)) and x.op in ("-", "~", "++", "--"):
            operands = (x.expr,)
        elif isinstance(x, N.Index):
            operands = (x.index,)
        else:
            operands = ()
        out.update(o.sym for o in operands if isinstance(o, N.Ident))
    return out
