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

import re

_PC_TRUE = r"not _pc|not _pc or _pc == \d+|not _pc or \d+ <= _pc <= \d+|_fr is None"
_PC_FALSE = r"_pc == \d+|\d+ <= _pc <= \d+"
_HEADER = re.compile(r"(if|elif) (.*):$")
_ONE_LINE = re.compile(r"if not _pc: (.+)$")
_COND_PC_RANGE = re.compile(r"if \(\d+ <= _pc <= \d+ if _pc else (.*)\):$")
_COND_NOT_PC = re.compile(r"if \(not _pc and (.*)\):$")
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
            out.append(_block(node, node.text, _fold(node.kids)))
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
            chain.append((kids[i].text, kids[i]))
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


def call_value(fv, args):
    """``f(a, b)`` on a function value: a fixed-arity fast call (runtime/fastcalls.py)
    for up to three arguments, the general ``_call`` otherwise."""
    if len(args) <= 3:
        return f"_call{len(args)}({', '.join([fv] + list(args))})"
    return f"_call({fv}, ({', '.join(args)}))"


def method_call(obj, name, args):
    """``x.name()`` / ``x.name(a)`` with a literal name and no closure argument: the
    per-type dispatch of runtime/fastcalls.py; closure-taking methods and lazy stages keep
    the general ``_invoke`` (they have their own fast paths and suspend handling)."""
    from ..runtime.iteration import CLOSURE_METHODS
    from ..runtime.iterators import LAZY_STAGES
    if name in CLOSURE_METHODS or name in LAZY_STAGES:
        return f"_invoke({obj}, {name!r}, ({', '.join(args)}{',' if len(args) == 1 else ''}))"
    return f"_meth{len(args)}({', '.join([obj, repr(name)] + list(args))})"
