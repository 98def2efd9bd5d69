"""The Jactl abstract syntax tree.

The parser builds these nodes; the resolver annotates them in place (the ``slots`` marked
"resolver" below start as None); the code generator reads them. Every node carries the
source position (1-based line and column) of its first token, so every later stage can
report errors at the right place.
"""

from dataclasses import dataclass, field
from typing import Any, List, Optional


@dataclass(eq=False)
class Node:
    line: int = field(default=0, kw_only=True)
    col: int = field(default=0, kw_only=True)


# ---------------------------------------------------------------- types

@dataclass(eq=False)
class TypeRef(Node):
    """A declared type: ``int``, ``long``, ``String``, ``Map``, ``def`` (name 'def'), ``var``,
    ``int[]`` (dims=1), or a class name (later)."""
    name: str
    dims: int = 0


# ---------------------------------------------------------------- expressions

@dataclass(eq=False)
class Expr(Node):
    pass


@dataclass(eq=False)
class Literal(Expr):
    """kind: 'int' 'long' 'double' 'decimal' 'string' 'bool' 'null'.
    value: int for int/long, float for double, the literal text (str) for decimal,
    str for string, bool, None."""
    kind: str
    value: Any


@dataclass(eq=False)
class InterpString(Expr):
    """A double-quoted or triple-double-quoted string with ``$x`` / ``${expr}`` parts.
    parts: str pieces and Expr pieces in order."""
    parts: List[Any]


@dataclass(eq=False)
class RegexLit(Expr):
    """``/pattern/flags`` where a regex is expected (after =~ or !~), or ``s/p/r/flags``.
    pattern: InterpString or Literal; replace: None or InterpString/Literal."""
    pattern: Expr
    flags: str = ""
    replace: Optional[Expr] = None


@dataclass(eq=False)
class ListLit(Expr):
    items: List[Expr]


@dataclass(eq=False)
class MapLit(Expr):
    """entries: list of (key, value). A bare identifier key or a string key gives a
    Literal('string', name) key; a ``(expr)`` key gives that expression."""
    entries: List[Any]


@dataclass(eq=False)
class Ident(Expr):
    name: str
    sym: Any = None            # resolver: the Symbol it refers to


@dataclass(eq=False)
class Binary(Expr):
    """op is the operator text: + - * / % %% << >> >>> & | ^ == != === !== < <= > >= <=>
    && || (also for 'and'/'or') in !in ?: =~ !~"""
    op: str
    left: Expr
    right: Expr


@dataclass(eq=False)
class Unary(Expr):
    """op: '-' '+' '!' (also 'not') '~' '++' '--' (prefix), '??' (true when the operand is
    not null: ``?? x.a``)."""
    op: str
    expr: Expr


@dataclass(eq=False)
class Postfix(Expr):
    """op: '++' or '--'."""
    op: str
    expr: Expr


@dataclass(eq=False)
class Assign(Expr):
    """target = value. op: '=' '?=' '+=' '-=' '*=' '/=' '%=' '%%=' '<<=' '>>=' '>>>='
    '&=' '|=' '^='. target: Ident, Index or Field."""
    op: str
    target: Expr
    value: Expr


@dataclass(eq=False)
class MultiAssign(Expr):
    """``(a, b) = expr`` or ``(a, b) += expr``. targets: Ident/Index/Field."""
    op: str
    targets: List[Expr]
    value: Expr


@dataclass(eq=False)
class Ternary(Expr):
    cond: Expr
    then: Expr
    else_: Expr


@dataclass(eq=False)
class Cast(Expr):
    """``(type) expr``"""
    type: TypeRef
    expr: Expr


@dataclass(eq=False)
class As(Expr):
    """``expr as type``"""
    expr: Expr
    type: TypeRef


@dataclass(eq=False)
class InstanceOf(Expr):
    expr: Expr
    type: TypeRef
    negated: bool = False


@dataclass(eq=False)
class Index(Expr):
    """``obj[index]`` / ``obj?[index]``"""
    obj: Expr
    index: Expr
    null_safe: bool = False


@dataclass(eq=False)
class Field(Expr):
    """``obj.name`` / ``obj?.name``; name is a str, or an Expr for ``obj."$x"`` / ``obj.(expr)``."""
    obj: Expr
    name: Any
    null_safe: bool = False


@dataclass(eq=False)
class NamedArg(Node):
    name: str
    value: Expr


@dataclass(eq=False)
class Call(Expr):
    """``callee(args)``; a trailing closure ``f(a){...}`` / ``f{...}`` is appended to args.
    named: list of NamedArg for ``f(x:1, y:2)`` (args is then empty)."""
    callee: Expr
    args: List[Expr]
    named: List[NamedArg] = field(default_factory=list)


@dataclass(eq=False)
class MethodCall(Expr):
    """``obj.name(args)`` / ``obj?.name(args)`` / ``obj.name{closure}``; name may be an Expr
    for ``obj."$name"()``."""
    obj: Expr
    name: Any
    args: List[Expr]
    named: List[NamedArg] = field(default_factory=list)
    null_safe: bool = False


@dataclass(eq=False)
class Param(Node):
    type: Optional[TypeRef]   # None means untyped ('def')
    name: str
    default: Optional[Expr] = None
    sym: Any = None           # resolver


@dataclass(eq=False)
class Closure(Expr):
    """``{ a, b -> body }`` or ``{ body }`` (implicit ``it``: params is None)."""
    params: Optional[List[Param]]
    body: "Block"
    info: Any = None          # resolver: FunctionInfo


@dataclass(eq=False)
class DoBlock(Expr):
    """``do { ... }`` as an expression: the value of its last statement."""
    body: "Block"


@dataclass(eq=False)
class Die(Expr):
    expr: Optional[Expr]


@dataclass(eq=False)
class Print(Expr):
    """``print a, b`` / ``println a`` (statement form; ``println(x)`` parses as a Call)."""
    newline: bool
    args: List[Expr]


@dataclass(eq=False)
class ReturnExpr(Expr):
    """``return expr`` used as an expression (``x or return 3``); statements use Return."""
    expr: Optional[Expr]


@dataclass(eq=False)
class Eval(Expr):
    """``eval(source, globals?)``"""
    args: List[Expr]


# ---------------------------------------------------------------- statements

@dataclass(eq=False)
class Stmt(Node):
    pass


@dataclass(eq=False)
class Block(Stmt):
    stmts: List[Stmt]
    scope: Any = None         # resolver


@dataclass(eq=False)
class ExprStmt(Stmt):
    expr: Expr


@dataclass(eq=False)
class VarDecl(Stmt):
    """One declared variable. ``int x = 1, y`` gives two VarDecls in a row.
    type: TypeRef (name 'def' or 'var' for untyped / inferred)."""
    type: TypeRef
    name: str
    init: Optional[Expr] = None
    is_const: bool = False
    sym: Any = None           # resolver
    is_final: bool = False    # parser: ``final int x = 1``


@dataclass(eq=False)
class MultiVarDecl(Stmt):
    """``def (x, y) = [1, 2]`` / ``def (int x, String y) = ...``; types per name."""
    types: List[TypeRef]
    names: List[str]
    init: Optional[Expr]
    syms: Any = None          # resolver


@dataclass(eq=False)
class FunDecl(Stmt):
    name: str
    return_type: Optional[TypeRef]   # None = def
    params: List[Param]
    body: Block
    info: Any = None          # resolver: FunctionInfo
    sym: Any = None           # resolver


@dataclass(eq=False)
class If(Stmt):
    """Also the statement modifiers: ``stmt if cond`` -> If(cond, stmt, None);
    ``stmt unless cond`` -> If(Unary('!', cond), stmt, None)."""
    cond: Expr
    then: Stmt
    else_: Optional[Stmt] = None


@dataclass(eq=False)
class While(Stmt):
    cond: Expr
    body: Stmt
    label: Optional[str] = None


@dataclass(eq=False)
class DoUntil(Stmt):
    body: Stmt
    cond: Expr
    label: Optional[str] = None


@dataclass(eq=False)
class For(Stmt):
    """``for (init; cond; update) body``. init: list of Stmt (VarDecl / ExprStmt);
    cond: Expr or None; update: list of Expr."""
    init: List[Stmt]
    cond: Optional[Expr]
    update: List[Expr]
    body: Stmt
    label: Optional[str] = None


@dataclass(eq=False)
class ForIn(Stmt):
    """``for (x in expr)`` / ``for (int x : expr)`` / ``for ([a, b] in expr)``.
    var_type None when the variable is not declared in the loop header (an existing var)
    and is_decl False. names has 1 entry, or several for the destructuring form."""
    var_type: Optional[TypeRef]
    names: List[str]
    iterable: Expr
    body: Stmt
    label: Optional[str] = None
    is_decl: bool = True
    syms: Any = None          # resolver
    types: Any = None         # parser: for ``[int a, b]`` patterns, one TypeRef or None per name
    pattern: Any = None       # parser: nested pattern when it has ``_`` / ``*`` / ``*rest`` / nested
                              # lists: a list whose items are (TypeRef|None, name) tuples, where
                              # name may be '_' or '*' or '*rest', or nested lists; else None


@dataclass(eq=False)
class Break(Stmt):
    label: Optional[str] = None


@dataclass(eq=False)
class Continue(Stmt):
    label: Optional[str] = None


@dataclass(eq=False)
class Return(Stmt):
    expr: Optional[Expr] = None


@dataclass(eq=False)
class Script(Node):
    """The whole script: its top-level statements."""
    body: Block


# ---------------------------------------------------------------- added by the parser stage

@dataclass(eq=False)
class ArrayNew(Expr):
    """``new int[3]`` / ``new String[2][]``: type is the resulting array type (its dims is the
    total number of dimensions); sizes are the expressions for the leading dimensions given
    (at least one)."""
    type: TypeRef
    sizes: List[Expr]


@dataclass(eq=False)
class BreakExpr(Expr):
    """``break`` used inside an expression (``x > 5 and break``, ``f(break)``); at statement
    level the parser produces Break."""
    label: Optional[str] = None


@dataclass(eq=False)
class ContinueExpr(Expr):
    """``continue`` used inside an expression; at statement level the parser produces Continue."""
    label: Optional[str] = None


# ---------------------------------------------------------------- switch expressions

@dataclass(eq=False)
class Pattern(Node):
    """A switch pattern. kind:
    'lit'   value=Expr (literal, cast literal)          'type'  tname=type name
    'bind'  name, tname (None when untyped)             'any'   ``_``
    'list'  items=[Pattern], star index via 'star' items
    'star'  name (None for ``*``)                       'map'   entries=[(key str, Pattern)], star
    'regex' value=RegexLit                              'expr'  value=Expr (``$v`` / ``${e}``)"""
    kind: str
    value: Any = None
    name: Optional[str] = None
    tname: Optional[str] = None
    items: List[Any] = field(default_factory=list)
    entries: List[Any] = field(default_factory=list)
    star: bool = False
    sym: Any = None            # resolver: binding Symbol


@dataclass(eq=False)
class SwitchCase(Node):
    """patterns: [(Pattern, guard Expr or None)]; empty for ``default``."""
    patterns: List[Any] = field(default_factory=list)
    result: Any = None         # Expr or Block
    is_default: bool = False
    scope: Any = None


@dataclass(eq=False)
class SwitchExpr(Expr):
    subject: Optional[Expr] = None
    cases: List[Any] = field(default_factory=list)
    it_sym: Any = None         # resolver: the switch's own ``it``
    scope: Any = None


# ---------------------------------------------------------------------- classes

@dataclass
class ClassDecl(Stmt):
    """``class X extends Y { fields; methods; nested classes }``. ``fields``: VarDecls
    (``is_const`` for const fields), ``methods``: FunDecls (``is_static``)."""
    name: str
    base: Optional[str] = None
    fields: List[Any] = field(default_factory=list)
    methods: List[Any] = field(default_factory=list)
    classes: List[Any] = field(default_factory=list)
    info: Any = None


@dataclass
class NewObj(Expr):
    """``new X(args)`` / ``new X(a:1)``: rewritten by the resolver into a constructor call."""
    cname: str
    args: List[Expr] = field(default_factory=list)
    named: List[Any] = field(default_factory=list)


@dataclass
class MakeObj(Expr):
    """Body of a generated constructor: an instance of class ``cname`` from field values."""
    cname: str
    args: List[Expr] = field(default_factory=list)


@dataclass
class ClassRef(Expr):
    """A class name used as a value (``X.f()`` for static f, ``X.CONST``)."""
    cname: str
