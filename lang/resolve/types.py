"""Static types: the numeric ranks, the result type of a binary operator and the type
names of declarations."""

from ..syntax import nodes as N

NUMERIC_RANK = {"byte": 0, "int": 1, "long": 2, "double": 3, "Decimal": 4}

PRIMITIVES = frozenset({"int", "long", "double", "boolean", "byte", "Decimal", "String"})


def binary_type(op, lt, rt):
    """Static result type of a binary operator on operands of static types lt, rt."""
    if op in ("==", "!=", "===", "!==", "<", "<=", ">", ">=", "&&", "||", "in", "!in",
              "=~", "!~"):
        return "boolean"
    if op == "<=>":
        return "int"
    if op in ("+", "-", "*", "/", "%", "%%"):
        if lt == "String" and op in ("+", "*"):
            return "String"
        if lt in NUMERIC_RANK and rt in NUMERIC_RANK:
            if "Decimal" in (lt, rt):
                return "Decimal"
            t = ["byte", "int", "long", "double", "Decimal"][max(NUMERIC_RANK[lt], NUMERIC_RANK[rt])]
            if t == "byte":
                t = "int" if lt != rt else "byte"
            return t
        return "def"
    if op in ("&", "|", "^", "<<", ">>", ">>>"):
        if lt in ("int", "long") and rt in ("int", "long", "byte") and op in ("<<", ">>", ">>>"):
            return lt
        if lt in ("int", "long") and rt in ("int", "long"):
            return "long" if "long" in (lt, rt) else "int"
        return "def"
    return "def"


def _type_name(t):
    if t is None:
        return "def"
    name = t.name
    if name == "Object":
        name = "def"
    return name + "[]" * t.dims


_LITERAL_TYPES = {"int": "int", "long": "long", "double": "double", "decimal": "Decimal",
                  "string": "String", "bool": "boolean"}


def _var_field_type(vd):
    """The type of a ``var`` field: its initialiser's, when that is evident (a literal,
    List or Map literal); else untyped."""
    e = vd.init
    if isinstance(e, N.Literal):
        t = _LITERAL_TYPES.get(e.kind)
    elif isinstance(e, N.ListLit):
        t = "List"
    elif isinstance(e, N.MapLit):
        t = "Map"
    else:
        t = None
    return N.TypeRef(t, line=vd.line, col=vd.col) if t is not None else None


def _tname(t):
    return "def" if t is None else t.name + "[]" * t.dims
