"""The Jactl abstract syntax tree.

The parser builds these nodes; the resolver annotates them in place; the code generator
reads them. Every node carries the source position (1-based line and column) of its first
token, so every later stage can report errors at the right place.

What a later stage writes on a node is declared here too, so the contract between the stages
is one list and no reader needs ``getattr(node, name, default)``. Two kinds:
- fields whose comment says "resolver" are ``__init__`` fields the parser leaves at their
  default (Symbols, scopes, FunctionDefs);
- ``annotation(default)`` declarations are the facts a stage computes for (nearly) every
  node — static types, suspension, the code generator's own notes. They are class-level
  defaults, not ``__init__`` fields, so building the tree pays nothing for them; the comment
  names the stage that sets them. tests/lang/resolve/test_annotations.py checks that no stage
  sets anything undeclared.
"""

from typing import Any, List, Optional

_NO_DEFAULT = object()


class annotation:
    """A fact a later stage sets on a node (see the module docstring): ``annotation(default)``.
    Reads before the stage ran give ``default``."""

    __slots__ = ("default",)

    def __init__(self, default=None):
        self.default = default


class field:  # noqa: N801 - reads like dataclasses.field at the declarations
    """A declared field's default: ``field(default=...)``, ``field(default_factory=list)``,
    ``kw_only`` for the position fields every node takes by keyword."""

    __slots__ = ("default", "factory", "kw_only")

    def __init__(self, *, default=_NO_DEFAULT, default_factory=None, kw_only=False):
        self.default, self.factory, self.kw_only = default, default_factory, kw_only


def node(cls):
    """Give a node class ``__init__`` (its annotated fields in declaration order, base class
    fields first, as dataclasses would) and ``__repr__``. Not ``dataclasses``: making these
    ~60 classes with it cost ~15 ms of every process's start (plus importing ``inspect``),
    which is most of what ``jactl -e`` pays before any work."""
    fields = dict(getattr(cls, "_node_fields", {}))
    notes = dict(getattr(cls, "_node_annotations", {}))
    for name in cls.__dict__.get("__annotations__", {}):
        spec = cls.__dict__.get(name, _NO_DEFAULT)
        if isinstance(spec, annotation):
            notes[name] = spec.default
            setattr(cls, name, spec.default)     # the class-level default
            continue
        fields[name] = spec if isinstance(spec, field) else field(default=spec)
    cls._node_fields = fields
    cls._node_annotations = notes
    params, kw, body, ns = [], [], [], {}
    for name, spec in fields.items():
        if spec.factory is not None:
            ns[f"_f_{name}"] = spec.factory
            decl, value = f"{name}=None", f"_f_{name}() if {name} is None else {name}"
        elif spec.default is not _NO_DEFAULT:
            ns[f"_d_{name}"] = spec.default
            decl, value = f"{name}=_d_{name}", name
        else:
            decl, value = name, name
        (kw if spec.kw_only else params).append(decl)
        body.append(f"    self.{name} = {value}")
        if name in cls.__dict__:
            delattr(cls, name)  # instance attribute, not a class default
    sig = ", ".join(["self"] + params + (["*"] + kw if kw else []))
    exec(f"def __init__({sig}):\n" + ("\n".join(body) or "    pass"), ns)
    cls.__init__ = ns["__init__"]
    cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return cls


def recast(n, cls, **values):
    """Turn node ``n`` into a ``cls`` node in place: the resolver rewrites sugar into what it
    means (``new X()`` into a constructor call, a const name into its Literal) while the parent
    keeps pointing at the same object. ``n`` keeps its position; every other field comes from
    ``values`` or ``cls``'s defaults, so nothing of the old node type is left behind."""
    fresh = cls(**values, line=n.line, col=n.col)
    n.__class__ = cls
    n.__dict__.clear()
    n.__dict__.update(fresh.__dict__)
    return n


def _node_repr(self):
    parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._node_fields)
    return f"{type(self).__qualname__}({parts})"


@node
class Node:
    line: int = field(default=0, kw_only=True)
    col: int = field(default=0, kw_only=True)
    # resolver (suspension marking, per function body): evaluating the node may suspend
    susp: bool = annotation(False)
    # resolver: the node must be compiled as statements (it suspends, jumps, assigns, or
    # contains such a node)
    lower: bool = annotation(False)

    __repr__ = _node_repr


# ---------------------------------------------------------------- types

@node
class TypeRef(Node):
    """A declared type: ``int``, ``long``, ``String``, ``Map``, ``def`` (name 'def'), ``var``,
    ``int[]`` (dims=1), or a class name (later)."""
    name: str
    dims: int = 0


# ---------------------------------------------------------------- expressions

@node
class Expr(Node):
    stype: str = annotation("def")        # resolver: static Jactl type name ('def' if unknown)
    # code generator: the method call this expression is the receiver of (lazy chains)
    receiver_of: Any = annotation(None)
    # code generator: the comprehension of an inlined map/filter stage (codegen/dynamic.py:
    # Comprehension), which a stage called on it may fuse into
    comprehension: Any = annotation(None)


@node
class Literal(Expr):
    """kind: 'int' 'long' 'double' 'decimal' 'string' 'bool' 'null'.
    value: int for int/long, float for double, the literal text (str) for decimal,
    str for string, bool, None."""
    kind: str
    value: Any
    from_regex: bool = field(default=False, kw_only=True)    # parser: a bare ``/text/``
    interp: bool = annotation(False)      # parser: a quoted member name ``X."i"``
    from_const: bool = annotation(False)  # resolver: a const field's value (not assignable)


@node
class InterpString(Expr):
    """A double-quoted or triple-double-quoted string with ``$x`` / ``${expr}`` parts.
    parts: str pieces and Expr pieces in order."""
    parts: List[Any]
    from_regex: bool = field(default=False, kw_only=True)    # parser: a bare ``/text/``
    interp: bool = annotation(False)      # parser: a member name ``X."${e}"``


@node
class RegexLit(Expr):
    """``/pattern/flags`` where a regex is expected (after =~ or !~), or ``s/p/r/flags``.
    pattern: InterpString or Literal; replace: None or InterpString/Literal."""
    pattern: Expr
    flags: str = ""
    replace: Optional[Expr] = None
    repl_sym: Any = None       # resolver: the ``$@`` local holding each match's groups
    repl_scope: Any = None     # resolver: the replacement's scope (repl_sym is declared there)


@node
class ListLit(Expr):
    items: List[Expr]


@node
class MapLit(Expr):
    """entries: list of (key, value). A bare identifier key or a string key gives a
    Literal('string', name) key; a ``(expr)`` key gives that expression."""
    entries: List[Any]


@node
class Ident(Expr):
    name: str
    sym: Any = None            # resolver: the Symbol it refers to
    implicit: bool = field(default=False, kw_only=True)   # parser: the ``it`` of ``/re/f``


@node
class Binary(Expr):
    """op is the operator text: + - * / % %% << >> >>> & | ^ == != === !== < <= > >= <=>
    && || (also for 'and'/'or') in !in ?: =~ !~"""
    op: str
    left: Expr
    right: Expr
    match_sym: Any = None      # resolver: =~ / !~ the ``$@`` local its groups are stored in


@node
class Unary(Expr):
    """op: '-' '+' '!' (also 'not') '~' '++' '--' (prefix), '??' (true when the operand is
    not null: ``?? x.a``)."""
    op: str
    expr: Expr
    rvalue: bool = False   # resolver: ++/-- of a value, not a variable (``++(x + 1)``)


@node
class Postfix(Expr):
    """op: '++' or '--'."""
    op: str
    expr: Expr
    rvalue: bool = False   # resolver: ++/-- of a value, not a variable (``(x + 1)++``)


@node
class Assign(Expr):
    """target = value. op: '=' '?=' '+=' '-=' '*=' '/=' '%=' '%%=' '<<=' '>>=' '>>>='
    '&=' '|=' '^='. target: Ident, Index or Field."""
    op: str
    target: Expr
    value: Expr


@node
class MultiAssign(Expr):
    """``(a, b) = expr`` or ``(a, b) += expr``. targets: Ident/Index/Field."""
    op: str
    targets: List[Expr]
    value: Expr


@node
class Ternary(Expr):
    cond: Expr
    then: Expr
    else_: Expr


@node
class Cast(Expr):
    """``(type) expr``"""
    type: TypeRef
    expr: Expr


@node
class As(Expr):
    """``expr as type``"""
    expr: Expr
    type: TypeRef


@node
class InstanceOf(Expr):
    expr: Expr
    type: TypeRef
    negated: bool = False


@node
class Index(Expr):
    """``obj[index]`` / ``obj?[index]``"""
    obj: Expr
    index: Expr
    null_safe: bool = False


@node
class Field(Expr):
    """``obj.name`` / ``obj?.name``; name is a str, or an Expr for ``obj."$x"`` / ``obj.(expr)``."""
    obj: Expr
    name: Any
    null_safe: bool = False


@node
class NamedArg(Node):
    name: str
    value: Expr


@node
class Call(Expr):
    """``callee(args)``; a trailing closure ``f(a){...}`` / ``f{...}`` is appended to args.
    named: list of NamedArg for ``f(x:1, y:2)`` (args is then empty)."""
    callee: Expr
    args: List[Expr]
    named: List[NamedArg] = field(default_factory=list)
    target: Any = annotation(None)        # resolver: FunctionDef of a direct call, else None
    is_susp_call: bool = annotation(False)    # resolver: the call itself is a suspend point
    class_member: bool = annotation(False)    # resolver: ``X."${name}"`` (not assignable)


@node
class MethodCall(Expr):
    """``obj.name(args)`` / ``obj?.name(args)`` / ``obj.name{closure}``; name may be an Expr
    for ``obj."$name"()``."""
    obj: Expr
    name: Any
    args: List[Expr]
    named: List[NamedArg] = field(default_factory=list)
    null_safe: bool = False
    # name written as a string (``obj."f"()``): Jactl finds the method when the call runs,
    # so its argument errors are run-time ones
    quoted: bool = False
    is_susp_call: bool = annotation(False)    # resolver: the call itself is a suspend point


@node
class Param(Node):
    type: Optional[TypeRef]   # None means untyped ('def')
    name: str
    default: Optional[Expr] = None
    sym: Any = None           # resolver


@node
class Closure(Expr):
    """``{ a, b -> body }`` or ``{ body }`` (implicit ``it``: params is None)."""
    params: Optional[List[Param]]
    body: "Block"
    info: Any = None          # resolver: FunctionInfo


@node
class DoBlock(Expr):
    """``do { ... }`` as an expression: the value of its last statement."""
    body: "Block"


@node
class Die(Expr):
    expr: Optional[Expr]


@node
class Print(Expr):
    """``print a, b`` / ``println a`` (statement form; ``println(x)`` parses as a Call)."""
    newline: bool
    args: List[Expr]


@node
class ReturnExpr(Expr):
    """``return expr`` used as an expression (``x or return 3``); statements use Return."""
    expr: Optional[Expr]


@node
class Eval(Expr):
    """``eval(source, globals?)``"""
    args: List[Expr]
    is_susp_call: bool = annotation(False)    # resolver: always False (eval suspends inside)


# ---------------------------------------------------------------- statements

@node
class Stmt(Node):
    # code generator: (first, last) resume pc inside the statement, or (None, None)
    pcs: Any = annotation(None)


@node
class Block(Stmt):
    stmts: List[Stmt]
    scope: Any = None         # resolver


@node
class ExprStmt(Stmt):
    expr: Expr


@node
class VarDecl(Stmt):
    """One declared variable. ``int x = 1, y`` gives two VarDecls in a row.
    type: TypeRef (name 'def' or 'var' for untyped / inferred)."""
    type: TypeRef
    name: str
    init: Optional[Expr] = None
    is_const: bool = False
    sym: Any = None           # resolver
    is_final: bool = False    # parser: ``final int x = 1``
    outer: bool = False       # resolver: ``for (i = 0; ...)`` declaring i around the loop
    inferred: Any = annotation(None)   # resolver (resolve/infer.py): 'int' for a proven-int def


@node
class MultiVarDecl(Stmt):
    """``def (x, y) = [1, 2]`` / ``def (int x, String y) = ...``; types per name."""
    types: List[TypeRef]
    names: List[str]
    init: Optional[Expr]
    syms: Any = None          # resolver


@node
class FunDecl(Stmt):
    name: str
    return_type: Optional[TypeRef]   # None = def
    params: List[Param]
    body: Block
    info: Any = None          # resolver: FunctionInfo
    sym: Any = None           # resolver
    is_static: bool = annotation(False)   # parser: ``static def f()``
    is_final: bool = annotation(False)    # parser: ``final def f()``
    # resolver (methods of a class): static, or a constructor; its name inside the class
    is_static_method: bool = annotation(False)
    method_name: Any = annotation(None)
    has_this: bool = annotation(False)    # resolver: a constructor that takes ``this``


@node
class If(Stmt):
    """Also the statement modifiers: ``stmt if cond`` -> If(cond, stmt, None);
    ``stmt unless cond`` -> If(Unary('!', cond), stmt, None)."""
    cond: Expr
    then: Stmt
    else_: Optional[Stmt] = None


@node
class While(Stmt):
    cond: Expr
    body: Stmt
    label: Optional[str] = None


@node
class DoUntil(Stmt):
    body: Stmt
    cond: Expr
    label: Optional[str] = None


@node
class For(Stmt):
    """``for (init; cond; update) body``. init: list of Stmt (VarDecl / ExprStmt);
    cond: Expr or None; update: list of Expr."""
    init: List[Stmt]
    cond: Optional[Expr]
    update: List[Expr]
    body: Stmt
    label: Optional[str] = None
    scope: Any = annotation(None)         # resolver: the scope of the init declarations


@node
class ForIn(Stmt):
    """``for (x in expr)`` / ``for (def x : expr)``: names has the one loop variable (var_type
    None when untyped). Otherwise the header is a switch Pattern (``for (int i in xs)``,
    ``for ([a, *t] in xs)``, ``for (X(i, j) in xs)``): elements that do not match are skipped,
    or with ``:`` (strict) are an error. ``it`` is each whole element."""
    var_type: Optional[TypeRef]
    names: List[str]
    iterable: Expr
    body: Stmt
    label: Optional[str] = None
    is_decl: bool = True
    syms: Any = None          # resolver
    pattern: Any = None       # parser: the header's Pattern, or None for a plain variable
    strict: bool = False      # ``:`` rather than ``in``
    it_sym: Any = None        # resolver: ``it``, when the loop binds it
    scope: Any = annotation(None)         # resolver: the scope of the loop variables


@node
class Break(Stmt):
    label: Optional[str] = None


@node
class Continue(Stmt):
    label: Optional[str] = None


@node
class Return(Stmt):
    expr: Optional[Expr] = None


@node
class Script(Node):
    """The whole script: its top-level statements."""
    body: Block
    qualified: bool = annotation(False)   # resolver: class names already qualified


# ---------------------------------------------------------------- added by the parser stage

@node
class ArrayNew(Expr):
    """``new int[3]`` / ``new String[2][]``: type is the resulting array type (its dims is the
    total number of dimensions); sizes are the expressions for the leading dimensions given
    (at least one)."""
    type: TypeRef
    sizes: List[Expr]


@node
class BreakExpr(Expr):
    """``break`` used inside an expression (``x > 5 and break``, ``f(break)``); at statement
    level the parser produces Break."""
    label: Optional[str] = None


@node
class ContinueExpr(Expr):
    """``continue`` used inside an expression; at statement level the parser produces Continue."""
    label: Optional[str] = None


# ---------------------------------------------------------------- switch expressions

@node
class Pattern(Node):
    """A switch pattern. kind:
    'lit'   value=Expr (literal, cast literal)          'type'  tname=type name
    'bind'  name, tname (None when untyped)             'any'   ``_``
    'list'  items=[Pattern], star index via 'star' items
    'star'  name (None for ``*``)                       'map'   entries=[(key str, Pattern)], star
    'regex' value=RegexLit                              'expr'  value=Expr (``$v`` / ``${e}``)
    'ctor'  tname=class, items=[Pattern] (its mandatory fields in order) or
            entries=[(field name, Pattern)]: ``X(1, a)`` / ``X(i: 1)``"""
    kind: str
    value: Any = None
    name: Optional[str] = None
    tname: Optional[str] = None
    items: List[Any] = field(default_factory=list)
    entries: List[Any] = field(default_factory=list)
    star: bool = False
    sym: Any = None            # resolver: binding Symbol
    match_sym: Any = None      # resolver: 'regex': the ``$@`` local its groups go to
    fields: List[Any] = field(default_factory=list)   # resolver: 'ctor': field per sub-pattern
    first: bool = annotation(True)   # resolver: 'bind': the name's first binding in the pattern


@node
class SwitchCase(Node):
    """patterns: [(Pattern, guard Expr or None)]; empty for ``default``."""
    patterns: List[Any] = field(default_factory=list)
    result: Any = None         # Expr or Block
    is_default: bool = False
    scope: Any = None


@node
class SwitchExpr(Expr):
    subject: Optional[Expr] = None
    cases: List[Any] = field(default_factory=list)
    it_sym: Any = None         # resolver: the switch's own ``it``
    scope: Any = None


# ---------------------------------------------------------------------- classes

@node
class ClassDecl(Stmt):
    """``class X extends Y { fields; methods; nested classes }``. ``fields``: VarDecls
    (``is_const`` for const fields), ``methods``: FunDecls (``is_static``)."""
    name: str
    base: Optional[str] = None
    fields: List[Any] = field(default_factory=list)
    methods: List[Any] = field(default_factory=list)
    classes: List[Any] = field(default_factory=list)
    info: Any = None
    qname: Any = annotation(None)     # resolver: qualified name (``Outer$Inner``)
    outer: Any = annotation(None)     # resolver: the enclosing class's qualified name
    synth: Any = annotation(None)     # resolver: (constructor FunDecl, method FunDecls)


@node
class NewObj(Expr):
    """``new X(args)`` / ``new X(a:1)``: rewritten by the resolver into a constructor call."""
    cname: str
    args: List[Expr] = field(default_factory=list)
    named: List[Any] = field(default_factory=list)


@node
class MakeObj(Expr):
    """Body of a generated constructor: an instance of class ``cname`` from field values."""
    cname: str
    args: List[Expr] = field(default_factory=list)


@node
class ClassRef(Expr):
    """A class name used as a value (``X.f()`` for static f, ``X.CONST``)."""
    cname: str
