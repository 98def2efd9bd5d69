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
        em.emit(f"_CLASSES[{ci.name!r}] = _ClassDef({ci.name!r}, {base}, {fields!r}, "
                f"{ftypes!r}, {methods}, {statics}, (), _FN{ci.ctor.info.id}, {mand!r}, "
                f"{pycls})")


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
