"""Tests for the Jactl front end (lang.syntax): node shapes, newline rules, errors."""

import json
import os
import re

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from lang.errors import CompileError, EOFError as JactlEOFError
from lang.syntax import nodes as N
from lang.syntax import parse


def stmts(src):
    return parse(src).body.stmts


def expr(src):
    (s,) = stmts(src)
    assert isinstance(s, N.ExprStmt), s
    return s.expr


def sx(n):
    """Compact s-expression of an expression tree, for readable assertions."""
    if isinstance(n, list):
        return "[" + " ".join(sx(x) for x in n) + "]"
    if isinstance(n, N.Literal):
        return n.value if n.kind == "decimal" else repr(n.value)
    if isinstance(n, N.Ident):
        return n.name
    if isinstance(n, N.Binary):
        return f"({n.op} {sx(n.left)} {sx(n.right)})"
    if isinstance(n, N.Unary):
        return f"({n.op}u {sx(n.expr)})"
    if isinstance(n, N.Postfix):
        return f"({n.op}p {sx(n.expr)})"
    if isinstance(n, N.Ternary):
        return f"(? {sx(n.cond)} {sx(n.then)} {sx(n.else_)})"
    if isinstance(n, N.Assign):
        return f"({n.op} {sx(n.target)} {sx(n.value)})"
    if isinstance(n, N.Field):
        return f"(.{'?' if n.null_safe else ''} {sx(n.obj)} {n.name if isinstance(n.name, str) else sx(n.name)})"
    if isinstance(n, N.Index):
        return f"([]{'?' if n.null_safe else ''} {sx(n.obj)} {sx(n.index)})"
    if isinstance(n, N.MethodCall):
        return f"(call{'?' if n.null_safe else ''} {sx(n.obj)}.{n.name} {sx(n.args)})"
    if isinstance(n, N.Call):
        return f"(call {sx(n.callee)} {sx(n.args)})"
    if isinstance(n, N.ListLit):
        return "(list " + " ".join(sx(x) for x in n.items) + ")"
    if isinstance(n, N.Closure):
        return "(closure)"
    return type(n).__name__


# ---------------------------------------------------------------------- literals

@pytest.mark.parametrize("src,kind,value", [
    ("42", "int", 42),
    ("0_6", "int", 6),
    ("2147483647", "int", 2147483647),
    ("-1", "int", -1),
    ("3L", "long", 3),
    ("9223372036854775807L", "long", 9223372036854775807),
    ("0xAbCdEf1234567890L", "long", -6066930261531658096),
    ("0x7fffffff", "int", 2147483647),
    ("0b101", "int", 5),
    ("0B1000L", "long", 8),
    ("1.5D", "double", 1.5),
    ("1D", "double", 1.0),
    ("1.50", "decimal", "1.50"),
    ("0000_0.1_2", "decimal", "0.12"),
    ("true", "bool", True),
    ("null", "null", None),
    ("'it''s'", None, None),
])
def test_literals(src, kind, value):
    if kind is None:
        with pytest.raises(CompileError):
            parse(src)
        return
    e = expr(src)
    assert isinstance(e, N.Literal)
    assert (e.kind, e.value) == (kind, value)


@pytest.mark.parametrize("src,msg,col", [
    ("3000000000", "Number too large for integer constant", 1),
    ("x = -2147483648", "Number too large for integer constant", 6),
    ("12345123451234512345L", "Number too large", 1),
    ("0x_", "Missing digits", 1),
    ("0xAbCdEf1234", "too large", 1),
    ("0b1234", "Unexpected token '234'", 4),
    ("1e3", "Unexpected token", 2),
    ("2 ** 10", "Unexpected token '*'", 4),
])
def test_number_errors(src, msg, col):
    with pytest.raises(CompileError) as ei:
        parse(src)
    assert msg.lower() in str(ei.value).lower()
    assert ei.value.column == col


def test_negative_literal_binds_tighter_than_method_call():
    e = expr("-7.abs()")
    assert isinstance(e, N.MethodCall) and e.name == "abs"
    assert isinstance(e.obj, N.Literal) and e.obj.value == -7
    e = expr("-x.abs()")
    assert isinstance(e, N.Unary) and isinstance(e.expr, N.MethodCall)
    assert sx(expr("2 - -7")) == "(- 2 -7)"
    assert sx(expr("2 -7")) == "(- 2 7)"


# ---------------------------------------------------------------------- strings

def test_strings():
    assert expr(r"'a\'b\n'").value == "a'b\n"
    assert expr("'''a\n'b'\n'''").value == "a\n'b'\n"
    assert expr('"plain"').value == "plain"
    e = expr('"a$x.y ${m.a.b} $1"')
    assert isinstance(e, N.InterpString)
    assert e.parts[0] == "a"
    assert isinstance(e.parts[1], N.Ident) and e.parts[1].name == "x"
    assert e.parts[2] == ".y "
    assert isinstance(e.parts[3], N.Field)
    assert isinstance(e.parts[5], N.Ident) and e.parts[5].name == "$1"
    e = expr('"x${ "}" + \'{\' }y"')
    assert isinstance(e.parts[1], N.Binary)
    assert expr(r'"a\$b"').value == "a$b"


def test_interpolated_block_becomes_called_closure():
    e = expr('"${ def p(n){ n + 1 }; p(1) }"')
    call = e.parts[0]
    assert isinstance(call, N.Call) and isinstance(call.callee, N.Closure)
    assert call.callee.params == []
    assert isinstance(call.callee.body.stmts[0], N.FunDecl)


def test_string_errors():
    with pytest.raises(JactlEOFError):
        parse("'abc")
    with pytest.raises(CompileError, match="(?i)new line"):
        parse("'a\nb'")
    with pytest.raises(CompileError, match="(?i)new line not allowed"):
        parse('def z = "${1+\n2}"')
    with pytest.raises(CompileError, match="(?i)unexpected character '\"'"):
        parse('"$" + 1')


# ---------------------------------------------------------------------- regex

def test_regex_forms():
    e = expr("x =~ /a\\/b$/i")
    assert e.op == "=~" and isinstance(e.right, N.RegexLit)
    assert e.right.pattern.value == "a/b$" and e.right.flags == "i"
    e = expr("x =~ s/(a)/${$1}x/g")
    assert e.right.replace is not None and e.right.flags == "g"
    assert isinstance(e.right.replace, N.InterpString)
    # a bare /.../ is a string; with flags it matches against `it`
    assert expr("/a+b/").value == "a+b"
    e = expr("/a+b/r")
    assert e.op == "=~" and e.left.name == "it" and e.right.flags == "r"
    e = expr("s/a/b/")
    assert e.op == "=~" and e.left.name == "it" and e.right.replace.value == "b"
    assert sx(expr("x / 2 / y")) == "(/ (/ x 2) y)"
    with pytest.raises(CompileError, match="(?i)unrecognised regex modifier 't'"):
        parse("/\n/int\n")
    with pytest.raises(CompileError, match="(?i)invalid lvalue"):
        parse("1 =~ s/a/b/")


# ---------------------------------------------------------------------- operators

@pytest.mark.parametrize("src,tree", [
    ("1 + 2 * 3 - 4", "(- (+ 1 (* 2 3)) 4)"),
    ("a = b = c", "(= a (= b c))"),
    ("x == 7 and y = x + 1", "(&& (== x 7) (= y (+ x 1)))"),
    ("a or b and not c", "(|| a (&& b (!u c)))"),
    ("a ?: b ?: c", "(?: a (?: b c))"),
    ("a ? b : c ? d : e", "(? a b (? c d e))"),
    ("a || b && c | d ^ e & f", "(|| a (&& b (| c (^ d (& e f)))))"),
    ("a < b == c <=> d", "(<=> (== (< a b) c) d)"),
    ("a << 2 >>> 1 + 1", "(>>> (<< a 2) (+ 1 1))"),
    ("x %% 3 % 2", "(% (%% x 3) 2)"),
    ("x in [1] && y !in 'ab'", "(&& (in x (list 1)) (!in y 'ab'))"),
    ("x++ + ++y", "(+ (++p x) (++u y))"),
    ("~x + ?? y", "(+ (~u x) (??u y))"),
    ("x ?= y", "(?= x y)"),
    ("a.b += 2", "(+= (. a b) 2)"),
    ("a?.b?[0]", "([]? (.? a b) 0)"),
    ("x[1, 2]", "([] ([] x 1) 2)"),
    ("a.b.c(1).d[2]", "([] (. (call (. a b).c [1]) d) 2)"),
    ("f(1){ it }", "(call f [1 (closure)])"),
    ("x.each{ it }", "(call x.each [(closure)])"),
    ("f{ it }(2)", "(call (call f [(closure)]) [2])"),
    ("x.'a b'", "(. x a b)"),
    ("(x if y)", "(? y x None)"),
    ("(x unless y)", "(? y None x)"),
])
def test_precedence(src, tree):
    assert sx(expr(src)) == tree


def test_casts_as_instanceof():
    e = expr("(int)x.y")
    assert isinstance(e, N.Cast) and e.type.name == "int" and isinstance(e.expr, N.Field)
    e = expr("(String[][])x")
    assert e.type.name == "String" and e.type.dims == 2
    e = expr("x as Map")
    assert isinstance(e, N.As) and e.type.name == "Map"
    e = expr("x !instanceof List")
    assert isinstance(e, N.InstanceOf) and e.negated


def test_named_args_and_multi_assign():
    e = expr("f(x:1, y:2)")
    assert e.args == [] and [a.name for a in e.named] == ["x", "y"]
    e = expr("(a, b.c) = [b, a]")
    assert isinstance(e, N.MultiAssign) and e.op == "=" and isinstance(e.targets[1], N.Field)
    with pytest.raises(CompileError, match="(?i)expression lists not supported"):
        parse("x + (1,2)")
    with pytest.raises(CompileError, match="(?i)invalid lvalue"):
        parse("1 = 2")


def test_list_and_map_literals():
    e = expr("[1, [2], [:], [a:1]]")
    assert isinstance(e, N.ListLit) and isinstance(e.items[2], N.MapLit)
    e = expr("[a:1, 'b c':2, (k):3, for:4, \"$x\":5]")
    keys = [k for k, _ in e.entries]
    assert [k.value for k in keys[:2]] == ["a", "b c"]
    assert isinstance(keys[2], N.Ident) and keys[3].value == "for"
    assert isinstance(keys[4], N.InterpString)
    e = expr('{"a":1, "b":{"c":[1]}}')
    assert isinstance(e, N.MapLit) and isinstance(e.entries[1][1], N.MapLit)
    assert isinstance(expr("{a:1}"), N.MapLit)


def test_array_new():
    e = stmts("int[][] a = new int[2][]")[0].init
    assert isinstance(e, N.ArrayNew) and e.type.name == "int" and e.type.dims == 2
    assert [s.value for s in e.sizes] == [2]
    with pytest.raises(CompileError, match="(?i)unexpected '\\['"):
        parse("def a = new def[10]")


# ---------------------------------------------------------------------- declarations

def test_declarations():
    a, b = stmts("int x = 1, y")
    assert (a.type.name, a.name, a.init.value) == ("int", "x", 1)
    assert (b.name, b.init) == ("y", None)
    (d,) = stmts("const X = 3")
    assert d.is_const and d.type.name == "var"
    (d,) = stmts("String[] s")
    assert d.type.dims == 1
    (m,) = stmts("def (x, int y) = [1, 2]")
    assert isinstance(m, N.MultiVarDecl) and m.names == ["x", "y"]
    assert [t.name for t in m.types] == ["def", "int"]


def test_functions_and_closures():
    (f, c) = stmts("int f(int x, y = 2) { x + y }\nf(1)")
    assert isinstance(f, N.FunDecl) and f.return_type.name == "int"
    assert f.params[0].type.name == "int" and f.params[1].type is None
    assert f.params[1].default.value == 2
    cl = expr("{ a, int b = 1 -> a + b }()").callee
    assert isinstance(cl, N.Closure) and [p.name for p in cl.params] == ["a", "b"]
    assert expr("x.map{ it }").args[0].params is None
    assert expr("x.map{ -> 1 }").args[0].params == []


# ---------------------------------------------------------------------- statements

def test_if_and_modifiers():
    (s,) = stmts("if (x) { 1 } else if (y) 2 else 3")
    assert isinstance(s, N.If) and isinstance(s.else_, N.If)
    (s,) = stmts("return 5 unless x")
    assert isinstance(s, N.If) and isinstance(s.then, N.Return)
    assert isinstance(s.cond, N.Unary) and s.cond.op == "!"
    (s,) = stmts("println 'a', 1 if x")
    assert isinstance(s.then.expr, N.Print) and len(s.then.expr.args) == 2


def test_loops_and_labels():
    (s,) = stmts("OUTER: for (int i = 0, j = 1; i < 10; i++, j += 2) { continue OUTER }")
    assert isinstance(s, N.For) and s.label == "OUTER" and len(s.init) == 2 and len(s.update) == 2
    assert isinstance(s.body.stmts[0], N.Continue) and s.body.stmts[0].label == "OUTER"
    (s,) = stmts("for (x in xs) println x")
    assert isinstance(s, N.ForIn) and s.var_type is None and not s.is_decl and s.names == ["x"]
    (s,) = stmts("for (def i : 10) {}")
    assert s.var_type.name == "def" and s.is_decl and s.strict and s.pattern is None
    # any other header is a switch pattern
    (s,) = stmts("for (int i : 10) {}")
    assert s.pattern.kind == "bind" and s.pattern.tname == "int" and s.strict
    (s,) = stmts("for ([a, b] in pairs) {}")
    assert s.pattern.kind == "list" and [p.name for p in s.pattern.items] == ["a", "b"]
    (s,) = stmts("for ([_, [h, *t]] in xs) {}")
    assert s.pattern.items[1].items[1].kind == "star" and not s.strict
    s = stmts("class X { int i; int j }\nfor (X(i: 1, j: b) in xs) {}")[-1]
    assert s.pattern.kind == "ctor" and [k for k, _ in s.pattern.entries] == ["i", "j"]
    (s,) = stmts("while (x) x--")
    assert isinstance(s, N.While)
    (s,) = stmts("do { x++ } until (x > 3)")
    assert isinstance(s, N.DoUntil)
    (s,) = stmts("for (;;) ;")
    assert isinstance(s, N.For) and s.cond is None and s.body.stmts == []
    e = expr("x > 5 and continue")
    assert isinstance(e.right, N.ContinueExpr)
    with pytest.raises(CompileError, match="(?i)labels can only be applied"):
        parse("LABEL: x++")


def test_do_block_die_eval_print():
    (d,) = stmts("def x = do { 1; 2 }")
    assert isinstance(d.init, N.DoBlock) and len(d.init.body.stmts) == 2
    e = expr("x or die 'bad'")
    assert isinstance(e.right, N.Die)
    assert isinstance(expr("eval('1', [:])"), N.Eval)
    e = expr("println(x)")
    assert isinstance(e, N.Print) and e.newline and len(e.args) == 1
    e = expr("x and return 3")
    assert isinstance(e.right, N.ReturnExpr)


def test_return_binds_tighter_than_and_or():
    e = expr("return true and false")
    assert isinstance(e, N.Binary) and e.op == "&&" and isinstance(e.left, N.ReturnExpr)
    (s,) = stmts("return x + 1")
    assert isinstance(s, N.Return) and isinstance(s.expr, N.Binary)


def test_parenthesised_target_is_multi_assign():
    e = expr("(x) = [1]")
    assert isinstance(e, N.MultiAssign) and len(e.targets) == 1
    assert isinstance(expr("x = (y)"), N.Assign)


def test_empty_substitution_pattern():
    e = expr("s///g")
    assert e.right.pattern.value == "" and e.right.replace.value == "" and e.right.flags == "g"


def test_block_versus_closure_at_statement_start():
    (b,) = stmts("{ x = 1 }")
    assert isinstance(b, N.Block)
    e = expr("{ it * 2 }(3)")
    assert isinstance(e, N.Call) and isinstance(e.callee, N.Closure)
    e = expr("{ x -> x }")
    assert isinstance(e, N.Closure)


# ---------------------------------------------------------------------- newlines

@pytest.mark.parametrize("src,count", [
    ("x = 1\n-2", 2),            # a leading operator starts a new statement
    ("x = 1 -\n2", 1),           # a trailing operator continues
    ("def x\n = 1", 1),          # '=' on the next line continues
    ("true\nand\nfalse", 1),     # and/or continue
    ("x\n[0]", 2),
    ("(x\n[0])", 1),             # newlines inside parentheses are whitespace
    ("x\n.foo()", 1),
    ("if (x)\n y\nelse\n z", 1),
    ("def f(x\n,\ny\n)\n{\nx +\ny\n}\nf(1,2)", 2),
    ("int\ni\ni\n=\n3", 2),
    ("def x=1; ++\n++\nx", 2),
    ("a\n/b/r", 2),               # '/' after a newline starts a regex
])
def test_newlines(src, count):
    assert len(stmts(src)) == count


def test_statements_need_separators():
    with pytest.raises(CompileError, match="(?i)expecting end of statement"):
        parse("if (true) { if(true){1} if(true){1} }")
    with pytest.raises(CompileError, match="Unexpected token 'else'"):
        parse("if (false) false;\nelse if (true) true")


# ---------------------------------------------------------------------- errors and positions

@pytest.mark.parametrize("src,msg,line,col", [
    ("1 +", "Unexpected end-of-file", 1, 4),
    ("[1,", "Unexpected end-of-file", 1, 4),
    ("x = 1\ny = )", "Unexpected token ')'", 2, 5),
    ("int for = 3", "Expecting identifier", 1, 5),
    ("def f(int a,) {}", "Expected valid type or parameter name", 1, 13),
    ("$ = 2", "Unexpected character '$'", 1, 1),
    ("int a = 1; $a", "Unexpected token '$'", 1, 12),
    ("for (int i = 0)", "Unexpected token ')'", 1, 15),
    ("int x = 1\nx++ ++", "cannot be used here", 2, 5),
])
def test_syntax_errors(src, msg, line, col):
    with pytest.raises(CompileError) as ei:
        parse(src)
    assert msg.lower() in str(ei.value).lower()
    assert (ei.value.line, ei.value.column) == (line, col)


def test_eof_error_class():
    with pytest.raises(JactlEOFError):
        parse("def f() {")


def test_positions():
    (d, s) = stmts("def x = 1\n  x.foo(2)")
    assert (d.line, d.col) == (1, 1)
    assert (d.init.line, d.init.col) == (1, 9)
    assert (s.line, s.col) == (2, 3)
    assert (s.expr.args[0].line, s.expr.args[0].col) == (2, 9)


# ---------------------------------------------------------------------- corpus smoke test

_CORPUS = os.path.join(_ROOT, "..", "shared", "conformance", "jactl-cases.jsonl")
_OUT_OF_SCOPE = re.compile(
    r"\bclass\b|\bswitch\b|\bnew\s+[A-Z]\w*\s*\(|\bsuper\b|\bthis\b|"
    r"\b(LocalDate|LocalTime|LocalDateTime|ZonedDateTime|Instant|Duration|Period|ZoneId)\b")


@pytest.mark.skipif(not os.path.exists(_CORPUS), reason="conformance corpus not available")
def test_corpus_value_cases_parse():
    total = ok = 0
    failures = []
    with open(_CORPUS) as f:
        for line in f:
            d = json.loads(line)
            if d["kind"] != "value" or d.get("classes") or _OUT_OF_SCOPE.search(d["source"]):
                continue
            total += 1
            try:
                parse(d["source"])
                ok += 1
            except CompileError as e:
                failures.append((d["id"], str(e).splitlines()[0]))
    assert total > 1000
    assert ok / total > 0.995, failures[:20]
