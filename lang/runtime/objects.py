"""Instances of user-defined Jactl classes.

A ``ClassDef`` is created once per script instance by the generated module (``_CLASSES``):
its name, base ClassDef, instance field names and types, and methods (name ->
FunctionInfo; instance methods take ``this`` as their first parameter). A ``JObject`` is
an instance: its ClassDef and an ordered dict of field values. Checkpoints encode an
instance by class name + field values; the restoring script instance resolves the name.
"""

import threading

from ..errors import JactlRuntimeError

_TLS = threading.local()


def set_current_classes(classes):
    """Make ``classes`` (name -> ClassDef of the running script) current for this thread;
    returns the previous value (to restore)."""
    prev = getattr(_TLS, "classes", None)
    _TLS.classes = classes
    return prev


def lookup_class(name):
    classes = getattr(_TLS, "classes", None)
    if not classes:
        return None
    cd = classes.get(name)
    if cd is None:
        for k, c in classes.items():
            if k.rsplit(".", 1)[-1] == name:
                return c
    return cd


def from_map(cd, m):
    """Jactl's implicit conversion of a Map to an instance of class ``cd``."""
    if cd.ctor is None:
        return None
    fields = cd.fields
    bad = [str(k) for k in m if k not in fields]
    if bad:
        if len(bad) == 1:
            raise JactlRuntimeError(f"No such field: {bad[0]}")
        raise JactlRuntimeError(f"No such fields: {', '.join(bad)}")
    missing = [f for f in cd.mandatory if f not in m]
    if missing:
        if len(missing) == 1:
            raise JactlRuntimeError(f"Missing mandatory field: {missing[0]}")
        raise JactlRuntimeError(f"Missing mandatory fields: {', '.join(missing)}")
    from .calls import call_named
    from .functions import Closure
    return call_named(Closure(cd.ctor), m)


class ClassDef:
    __slots__ = ("name", "base", "fields", "ftypes", "methods", "statics", "finals", "ctor",
                 "mandatory")

    def __init__(self, name, base, fields, ftypes, methods, statics=None, finals=(),
                 ctor=None, mandatory=()):
        self.ctor = ctor
        self.mandatory = tuple(mandatory)
        self.name = name
        self.base = base
        self.fields = tuple(fields)          # all instance fields, base class first
        self.ftypes = dict(zip(fields, ftypes))
        self.methods = dict(methods)         # own instance methods: name -> FunctionInfo
        self.statics = dict(statics or {})
        self.finals = frozenset(finals)

    def isa(self, name):
        c = self
        while c is not None:
            if c.name == name or c.name.rsplit(".", 1)[-1] == name:
                return True
            c = c.base
        return False

    def find(self, name):
        c = self
        while c is not None:
            m = c.methods.get(name)
            if m is not None:
                return m
            c = c.base
        return None

    def __repr__(self):
        return f"<class {self.name}>"


class JObject:
    __slots__ = ("_cls", "_f")

    def __init__(self, cls, values):
        self._cls = cls
        self._f = dict(zip(cls.fields, values))

    # hooks used by runtime.values / ops / jsonfmt
    def _jactl_class_name(self):
        return self._cls.name

    def _jactl_fields(self):
        return list(self._f.items())

    def _jactl_isa(self, name):
        return self._cls.isa(name)

    # a read-only mapping view (hosts and the conformance runner compare like maps)
    def items(self):
        return self._f.items()

    def keys(self):
        return self._f.keys()

    def __len__(self):
        return len(self._f)

    def __getitem__(self, k):
        return self._f[k]

    def __eq__(self, other):
        if type(other) is not JObject:
            return False
        if other is self:
            return True
        return other._cls is self._cls and other._f == self._f

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{self._cls.name} {self._f!r}>"


def method_of(obj, name):
    """The FunctionInfo of instance method ``name`` of obj, or None."""
    return obj._cls.find(name)


def get_field(obj, name):
    f = obj._f
    if name in f:
        return f[name]
    if obj._cls.find(name) is not None:
        from .functions import BoundMethod
        return BoundMethod(obj, name)
    raise JactlRuntimeError(f"No such field '{name}' for object of type {obj._cls.name}")


def set_field(obj, name, v):
    f = obj._f
    if name not in f:
        raise JactlRuntimeError(f"No such field '{name}' for object of type {obj._cls.name}")
    t = obj._cls.ftypes.get(name)
    if t not in (None, "def", "var", "Object"):
        from .calls import cv_arg
        v = cv_arg(v, t)
    f[name] = v
    return v


def invoke_obj(obj, name, args):
    m = obj._cls.find(name)
    if m is None:
        if name in obj._f:
            from .calls import call
            return call(obj._f[name], args), True
        return None, False
    from .functions import Closure
    return Closure(m)(obj, *args), True
