"""Emission of Jactl classes as Python classes, and the facts typed code needs about them.

Every Jactl class becomes a Python class deriving from ``_JObject`` (or from the class of
its Jactl base class) with its fields as ``__slots__`` and its instance methods as
``_m_<name>`` attributes bound to the compiled functions, followed by its ``_ClassDef``
(the name-based view the dynamic path and checkpoints use; see runtime/objects.py)::

    class _C_Vec(_JObject):
        __slots__ = ('x', 'y')
        def __init__(self, x, y):
            self.x = x
            self.y = y
        _m_plus = _f2
    _CLASSES['Vec'] = _ClassDef('Vec', None, ('x', 'y'), ..., _C_Vec)

``ClassFacts`` answers the code generator's static questions: is a type name a user class,
is one class a subclass of another, which compiled functions can a method call on a
receiver of a given static class reach (the class's own or inherited method and every
override in its subclasses).
"""

import re

from ..syntax import nodes as N
from ..runtime.objects import class_ident, method_attr, slot_name


def emit_classes(em, classes):
    """Emit the generated class and ClassDef of each class (base classes come first)."""
    em.emit("_CLASSES = {}")
    for ci in classes:
        base = f"_CLASSES[{ci.base.name!r}]" if ci.base is not None else "None"
        fields = tuple(f[0] for f in ci.all_fields)
        ftypes = tuple(f[1].name + "[]" * f[1].dims if f[1] is not None else "def"
                       for f in ci.all_fields)
        methods = "{" + ", ".join(f"{n!r}: _FN{fd.info.id}" for n, fd in ci.methods.items()
                                  if not fd.is_static_method) + "}"
        statics = "{" + ", ".join(f"{n!r}: _FN{fd.info.id}" for n, fd in ci.methods.items()
                                  if fd.is_static_method) + "}"
        mand = tuple(f[0] for f in ci.all_fields if f[2] is None)
        pycls = class_ident(ci.name)
        parent = class_ident(ci.base.name) if ci.base is not None else "_JObject"
        slots = tuple(slot_name(f) for f in fields)
        base_slots = set(slot_name(f[0]) for f in ci.base.all_fields) if ci.base else set()
        own = tuple(s for s in slots if s not in base_slots)
        em.emit(f"class {pycls}({parent}):")
        em.indent += 1
        em.emit(f"__slots__ = {own!r}")
        # positional construction (the constructor function passes every field)
        em.emit(f"def __init__(_o{''.join(', ' + s for s in slots)}):")
        em.indent += 1
        for s in slots:
            em.emit(f"_o.{s} = {s}")
        if not slots:
            em.emit("pass")
        em.indent -= 1
        for n, fd in ci.methods.items():
            if not fd.is_static_method and not fd.info.needs_cells:
                em.emit(f"{method_attr(n)} = _f{fd.info.id}")
        em.indent -= 1
        consts = {n: _const_text(lit) for n, lit in ci.consts.items()}
        consts = {n: t for n, t in consts.items() if t is not None}
        ctext = ", consts={" + ", ".join(f"{n!r}: {t}" for n, t in consts.items()) + "}" \
            if consts else ""
        finals = tuple(f[0] for f in ci.all_fields if f[3].is_final)
        em.emit(f"_CLASSES[{ci.name!r}] = _ClassDef({ci.name!r}, {base}, {fields!r}, "
                f"{ftypes!r}, {methods}, {statics}, {finals!r}, _FN{ci.ctor.info.id}, {mand!r}, "
                f"{pycls}{ctext})")


def _const_text(lit):
    """Python text of a const field's literal value (None: not representable here)."""
    k, v = lit.kind, lit.value
    if k == "int" or k == "string":
        return repr(v)
    if k == "long":
        return f"_Long({v!r})"
    if k == "double" and v == v and v not in (float("inf"), float("-inf")):
        return repr(float(v))
    if k == "decimal":
        return f"_Dec({str(v)!r})"
    if k == "bool":
        return "True" if v else "False"
    if k == "null":
        return "None"
    return None


class ClassFacts:
    """Static facts about the script's classes, for typed fast paths."""

    def __init__(self, classes):
        self.by_name = {ci.name: ci for ci in classes}
        self.subs = {ci.name: [] for ci in classes}     # direct subclasses
        for ci in classes:
            if ci.base is not None:
                self.subs[ci.base.name].append(ci)

    def get(self, tname):
        return self.by_name.get(tname)

    def is_subclass(self, sub, sup):
        """Is class ``sub`` the class ``sup`` or derived from it (both names of classes)?"""
        ci = self.by_name.get(sub)
        while ci is not None:
            if ci.name == sup:
                return True
            ci = ci.base
        return False

    def pycls(self, tname):
        return class_ident(tname)

    def field(self, tname, name):
        """(slot, type name) of field ``name`` of class ``tname``, or None."""
        ci = self.by_name.get(tname)
        if ci is None:
            return None
        f = ci.field(name)
        if f is None:
            return None
        t = f[1].name + "[]" * f[1].dims if f[1] is not None else "def"
        return slot_name(name), t

    def method_targets(self, tname, name):
        """The FunDecls a call of instance method ``name`` on a receiver of static class
        ``tname`` may run: the one it finds, and every override below it. None when the
        class has no such instance method."""
        ci = self.by_name.get(tname)
        if ci is None:
            return None
        fd = ci.find_method(name)
        if fd is None or fd.is_static_method:
            return None
        out = [fd]
        stack = list(self.subs[tname])
        while stack:
            c = stack.pop()
            m = c.methods.get(name)
            if m is not None:
                if m.is_static_method:
                    return None
                out.append(m)
            stack.extend(self.subs[c.name])
        return out

    @staticmethod
    def method_attr(name):
        return method_attr(name)


# --------------------------------------------------------------------------------------
# Typed fast paths. Each takes the FuncGen and a node and returns generated text, or None
# when the node does not qualify (the caller then emits the dynamic path). They apply only
# where the receiver's static type is a class of the script: a typed variable, parameter,
# field or result always holds an instance of its class (or a subclass), or null — the
# conversions at every store guarantee it. A null receiver raises AttributeError on None,
# which the runtime reports as Jactl's NullError (objects.null_receiver_error).

_UNTYPED = ("def", "var", "Object", None)


def facts(gen):
    f = gen.mod.class_facts
    if f is None:
        f = gen.mod.class_facts = ClassFacts(gen.mod.r.classes)
    return f


def class_facts(resolver):
    """The ClassFacts of the classes a Resolver has set up (made once)."""
    f = resolver.class_facts
    if f is None:
        f = resolver.class_facts = ClassFacts(resolver.class_list)
    return f


_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\Z")


def _recv(text):
    """The receiver text, parenthesised unless it is a (dotted) name."""
    return text if _DOTTED.match(text) else f"({text})"


def field_read(gen, e):
    """``o.x`` with o of a known class: the slot read ``o.x``."""
    if not isinstance(e.name, str) or e.null_safe:
        return None
    fx = facts(gen)
    f = fx.field(gen.st(e.obj), e.name)
    if f is None:
        return None
    return f"{_recv(gen.expr(e.obj))}.{f[0]}"


def field_type(gen, e):
    """The declared type of field ``o.x`` when field_read reads it as a slot, else None
    (typed.py: a long/double field is a raw operand; the slot always holds its type)."""
    if not isinstance(e.name, str) or e.null_safe:
        return None
    f = facts(gen).field(gen.st(e.obj), e.name)
    return None if f is None else f[1]


def field_lvalue(gen, target):
    """``o.x = v`` (and compound forms) with o of a known class: (read, write, type) over
    the slot. The write converts the value to the field's type (as set_field does); its
    ``raw`` variant stores a value already of that type."""
    if not isinstance(target.name, str):
        return None
    fx = facts(gen)
    f = fx.field(gen.st(target.obj), target.name)
    if f is None:
        return None
    slot, t = f
    ot = _receiver(gen, target.obj)
    # the store target checks for null after the value is computed (as _setfield did)
    dest = f"{ot}.{slot}" if _is_this(target.obj) else \
        f"({ot} if {ot} is not None else _null_assign()).{slot}"
    if t in _UNTYPED:
        def write(v):
            return f"{dest} = {v}"
    else:
        conv = f"_cv_arg_obj({{}}, {fx.pycls(t)}, {t!r})" if fx.get(t) is not None \
            else f"_cv_arg({{}}, {t!r}{gen.classes_arg(t)})"

        def write(v):
            return f"{dest} = {conv.format(v)}"
    write.field_type = t
    write.raw = lambda v: f"{dest} = {v}"
    return (lambda: f"{ot}.{slot}"), write, "def"


def _is_this(obj):
    return isinstance(obj, N.Ident) and obj.name == "this" and obj.sym is not None and \
        obj.sym.kind == "local" and not obj.sym.captured


def _receiver(gen, obj):
    """The receiver of a field update, evaluated once (``this`` is never null and never
    reassigned: used as it is)."""
    if _is_this(obj):
        return gen.expr(obj)
    ot = gen.temp()
    # (``a.b.x = v``: a null ``a.b`` is created first, as on the dynamic path)
    o = gen.autocreate(obj, "map") if isinstance(obj, (N.Field, N.Index)) else gen.expr(obj)
    gen.step(f"{ot} = {o}")
    return ot


def int_field_update(gen, e, want_value):
    """``o.f++``, ``--o.f``, ``o.f += n`` (also ``-=``, ``*=``) on an int field of a known
    class with an int operand: 32-bit int arithmetic on the slot. Returns (value text or
    None,) when done, None when e does not qualify."""
    if isinstance(e, N.Assign):
        target, op = e.target, e.op
        if op not in ("+=", "-=", "*=") or gen.st(e.value) != "int":
            return None
    else:
        target, op = e.expr, e.op
    if not isinstance(target, N.Field) or not isinstance(target.name, str) or \
            target.null_safe:
        return None
    fx = facts(gen)
    f = fx.field(gen.st(target.obj), target.name)
    if f is None or f[1] != "int":
        return None
    slot = f[0]
    ot = _receiver(gen, target.obj)
    cur = f"{ot}.{slot}"
    if isinstance(e, N.Assign):
        pop = op[0]
        v = gen.expr(e.value)
        nv = gen.int_checked(f"{cur} {pop} {v}", pop, e.value)
    else:
        pop = "+" if op == "++" else "-"
        if isinstance(e, N.Postfix) and want_value:
            t = gen.temp()
            gen.step(f"{t} = {cur}")
            gen.step(f"{cur} = {gen.int_checked(f'{t} {pop} 1', pop, _ONE)}")
            return (t,)
        nv = gen.int_checked(f"{cur} {pop} 1", pop, _ONE)
    if not want_value:
        gen.step(f"{cur} = {nv}")
        return (None,)
    t = gen.temp()
    gen.step(f"{t} = {nv}")
    gen.step(f"{cur} = {t}")
    return (t,)


_ONE = N.Literal("int", 1)


def method_call(gen, e):
    """``o.m(args)`` with o of a known class whose method m (and every override of it)
    has one signature: a direct Python method call ``o._m_m(args)`` (Python's attribute
    lookup picks the override). Positional arguments only. When m may suspend the call is
    a suspend site like a direct function call (the method's frame records itself; a
    resume runs it through its FunctionInfo, not through this call)."""
    if not isinstance(e.name, str) or e.null_safe or e.named:
        return None
    fx = facts(gen)
    st = gen.st(e.obj)
    targets = fx.method_targets(st, e.name)
    if not targets:
        return None
    sig = _signature(targets[0])
    for fd in targets:
        g = fd.info
        if g.needs_cells or _signature(fd) != sig:
            return None
    susp = e.is_susp_call
    if susp and not gen.susp:
        return None                                  # (cannot happen: the caller suspends)
    pnodes = targets[0].info.node_params[1:]         # (``this`` first)
    args = list(e.args)
    if len(args) > len(pnodes):
        return None                                  # the dynamic path reports it
    missing = [p for p in pnodes[len(args):] if p.default is None]
    if missing:
        return None                                  # (or a List spread over them)
    vals = gen.exprs([e.obj] + args)
    out = []
    for p, a, v in zip(pnodes, args, vals[1:]):
        out.append(gen.convert_arg(v, a, p.sym.type))
    out += ["_M"] * (len(pnodes) - len(args))
    call = f"{_recv(vals[0])}.{method_attr(e.name)}({', '.join(out)})"
    if susp:
        # a resume finds the frame of the one target inside (of any override: not checked)
        g = targets[0].info
        if len(targets) > 1 or gen.prologue_may_suspend(g):
            return gen.suspend_call(call, e)
        return gen.suspend_call(call, e, g.return_type or "def", g.id)
    return call


def known_method_params(gen, e):
    """The parameters (without ``this``) of the method ``o.m(...)`` calls when o is of a
    known class and m is one of its methods with one signature, else None."""
    if not isinstance(e.name, str):
        return None
    fx = facts(gen)
    st = gen.st(e.obj)
    ci = fx.get(st)
    if ci is None:
        return None
    fd = ci.find_method(e.name)
    if fd is None:
        return None
    if fd.is_static_method:
        return list(fd.info.node_params)
    targets = fx.method_targets(st, e.name)
    if not targets:
        return None
    def named_sig(fd):
        return [(p.name, p.default is None) for p in fd.info.node_params[1:]]
    sig = named_sig(targets[0])
    if any(named_sig(t) != sig for t in targets):
        return None
    return list(targets[0].info.node_params[1:])


def checked_receiver(gen, e, o):
    """The receiver text of a dynamic method call: for a receiver of a known class, checked
    for null so the error is the typed path's ("null object")."""
    if e.null_safe or facts(gen).get(gen.st(e.obj)) is None or o == "v_this":
        return o
    return f"_nn_obj({o})"


def _signature(fd):
    g = fd.info
    return (tuple((p.sym.type, p.default is None) for p in g.node_params[1:]),
            g.return_type)


def method_type(facts_, tname, name):
    """The declared return type of instance method ``name`` called on a receiver of class
    ``tname`` when every implementation it may reach declares the same one, else None."""
    targets = facts_.method_targets(tname, name)
    if not targets:
        return None
    ts = {fd.info.return_type or "def" for fd in targets}
    return ts.pop() if len(ts) == 1 else None


def convert_to_class(gen, v, node, tname, arg):
    """Conversion of a value to class type ``tname``: none when its static type is that
    class or a subclass; else an isinstance test before the general conversion."""
    fx = facts(gen)
    if fx.get(tname) is None:
        return None
    st = gen.st(node, None) if node is not None else None
    if st is not None and fx.get(st) is not None and fx.is_subclass(st, tname):
        return v
    if gen.susp and fx.get(tname).ctor.info.may_suspend:
        return None          # (a Map converts by running initialisers, which may suspend)
    fn = "_cv_arg_obj" if arg else "_cv_obj"
    pc = fx.pycls(tname)
    # an instance of exactly that class (the common case) is tested inline
    if v.isidentifier():
        return f"({v} if type({v}) is {pc} else {fn}({v}, {pc}, {tname!r}))"
    gen.nq += 1
    q = f"_q{gen.nq}"
    return f"({q} if type({q} := {v}) is {pc} else {fn}({q}, {pc}, {tname!r}))"
