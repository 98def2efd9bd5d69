"""Jactl's argument binding, the same on every call path: a direct call of a function or
static method, a typed receiver (checked at compile time), an untyped receiver or a function
value (checked when the call runs, with Jactl's run-time wording)."""

import pytest

import lang
from lang.errors import CompileError, JactlError, JactlRuntimeError


def err(src):
    with pytest.raises(JactlError) as ei:
        lang.eval(src)
    return ei.value


def test_mandatory_parameter_after_optional_ones():
    f = "def f(x,y=7,z) { x + y + z }; "
    assert lang.eval(f + "f(1,2,3)") == 6
    assert lang.eval(f + "def a = [1,2,3]; f(a)") == 6
    assert lang.eval(f + "def g = f; g(1,2,3)") == 6
    assert "Missing mandatory arguments" in str(err(f + "f(1)"))
    assert "Missing mandatory arguments" in str(err(f + "def g = f; g(1)"))
    c = "class X { def f(x,y=7,z) { x + y + z }; static def s(x,y=7,z) { x + y + z } }; "
    assert lang.eval(c + "def a = [1,2,3]; new X().f(1,2,3) + new X().f(a) + X.s(a)") == 18
    assert lang.eval(c + "def a = [1,2,3]; def x = new X(); x.f(a) + x.s(a)") == 12


def test_one_list_spreads_unless_exactly_one_parameter_is_mandatory():
    assert lang.eval("def f(){3}; f([])") == 3
    assert lang.eval("def f(int x = 3, int y = 4) { x + y }; def a = [1,2]; f(a)") == 3
    assert lang.eval("def f(x,y=7,z=8) { x + y + z }; def a = [1,2,3]; f(a)") == [1, 2, 3, 7, 8]


def test_spread_elements_convert_as_values():
    e = err("class X { static def f(String x, int y) { x + y }}; def a = [2,'x']; X.f(a)")
    assert "Cannot convert object of type int to String" in str(e)
    e = err("class X { def f(List x, y=4, z) { x + y + z }}; new X().f([1, 2, 3])")
    assert "int cannot be cast to List" in str(e)


def test_named_args_known_target_compile_time_errors():
    for src, msg in [
        ("def f(x,y,z) {x + y + z}; f(x:2,y:3)", "Missing mandatory argument: z"),
        ("def f(x,y,z) {x + y + z}; f(y:3)", "Missing mandatory arguments: x, z"),
        ("def f(x,y,z) {x + y + z}; f(x:[1],b:2,y:3,z:4,a:1)", "No such parameters: b, a"),
        ("def f(x, y=[a:3]) { x + y }; f(x:1,yy:2)", "No such parameter: yy"),
        ("def f(x, y=[a:3]) { x + y }; f(x:1,x:2,y:2)", "Parameter 'x' occurs multiple times"),
        ("def f(x, y=[a:3]) { x + y }; f(x:1,(''+'y'):2)", "Invalid parameter name"),
        ("def f(x, y) { x + y }; f([x:1,y:2])", "Missing mandatory argument: y"),
        ("class X { def f(x,y,z) {x + y + z}}; X x = new X(); x.f(y:3)",
         "Missing mandatory arguments: x, z"),
        ("class X { def f(x, y) { x + y }}; new X().f([x:1,y:2])",
         "Missing mandatory argument: y"),
        ("class X { String a; int b; List c }; new X(a:'abc')", "Missing mandatory fields: b, c"),
        ("class X { String a; int b=4; List c; Map d }; new X([a:'abc'])",
         "Missing mandatory fields: c, d"),
    ]:
        e = err(src)
        assert isinstance(e, CompileError), src
        assert msg in str(e), (src, str(e))


def test_named_args_untyped_receiver_run_time_errors():
    c = "class X { def f(x,y,z) {x + y + z}}; def x = new X(); "
    for call, msg in [("x.f(x:2,y:3)", "Missing value for mandatory parameter 'z'"),
                      ("x.f(y:3)", "Missing value for mandatory parameter 'x'"),
                      ("x.\"${'f'}\"(y:3)", "Missing value for mandatory parameter 'x'"),
                      ("x.f(x:[1],y:3,z:4,a:1)", "No such parameter")]:
        e = err(c + call)
        assert isinstance(e, JactlRuntimeError), call
        assert msg in str(e), (call, str(e))


def test_named_args_to_a_field_holding_a_closure():
    assert lang.eval("class X { def f = { x,y=[a:1] -> x + y }}; new X().f(x:2,y:3)") == 5


def test_every_trailing_closure_is_an_argument_of_one_call():
    assert lang.eval("def f(x,y){ x() + y() }; f{2}{3}") == 5
    assert "Too many arguments" in str(err("def f = { x,y -> x(); y() }; f{1}{2}{3}"))
    assert "Too many arguments" in str(err("[].map{}{}"))


def test_functions_are_not_assignable_and_values_are_not_callable():
    assert "Cannot assign to function" in str(err("def f(){1}; def g(){2}; f=g; f()"))
    assert "Non-numeric operand" in str(err("def f(){1}; def g(){2}; f += g; f()"))
    assert "cannot be called" in str(err("def x = 3; x()"))


def test_static_methods_and_fromjson_as_values():
    assert lang.eval("class X { static int f(x){x*x} }; def g = X.f; g(3)") == 9
    assert lang.eval("class X { int i }; def f = X.fromJson; f('{\"i\":3}').i") == 3
    assert lang.eval("class X { def h(){3}; def f() { def g = h; g() } }; new X().f()") == 3
    assert "No such field or method 'ff'" in str(err("class X { static int f(x){x} }; X.ff"))


def test_method_is_not_a_field():
    assert "field expected" in str(err("class X { def f(){1}; def h(){3} }; X x = new X(); x.f = x.h"))
    assert "field expected" in str(err("class X { def f(){1}; def h(){3} }; def x = new X(); x.f = x.h"))


def test_builtin_method_named_args_unknown_name_first_only_for_typed_receivers():
    assert "No such parameter" in str(err("Map m = [a:1]; m.remove(keyx:'a'); m"))
    assert "No such parameter" in str(err("[1,2,3,4,5].subList(startx:4,end:5,x:1)"))
    assert "Missing value" in str(err("def x = [1,2,3]; x.remove(indexx:-3)"))
    assert "Missing value" in str(err("Map m = [a:1]; def f = m.remove; f(keyx:'a'); m"))


def test_method_values_of_class_instances():
    assert lang.eval("class X { def f(x){x} }; def x = new X(); def g = x.f; g(x:3)") == 3
    assert lang.eval("class X{}; X x = new X(); def f = x.className; f()") == "X"


def test_a_class_method_named_like_a_pipeline_stage_is_called():
    assert lang.eval("class X { def map(f) { f(3) } }; def x = new X(); x.map{ it + 7 }") == 10
    assert lang.eval("class X { def map(f) { f(3) } }; [1,2].map{ it + 7 }") == [8, 9]


def test_null_in_a_conditional_assignment_chain_with_a_call():
    assert lang.eval("def m = [:]; x ?= m.a.b()", globals={"x": 123}) is None
    assert lang.eval("def m = [a:[1,2]]; def x = 1; x ?= m.b.size(); x") == 1


def test_a_class_name_is_not_a_value():
    for src in ["class X{}; X == 1", "class X{}; def x = X; 1", "class X{}; !X", "class X{}; X",
                "class X{}; X++"]:
        e = err(src)
        assert isinstance(e, CompileError) and "Class name not allowed" in str(e), src


@pytest.mark.parametrize("cpe", [False, True], ids=["plain", "cpe"])
def test_null_met_on_the_left_of_elvis_gives_the_right(cpe):
    assert lang.eval("Map m = [:]; m.a.b ?: 'abc'", checkpoint_each_statement=cpe) == "abc"
    assert lang.eval("def f() { null }; f() + f() ?: 'abc'", checkpoint_each_statement=cpe) == "abc"
    assert lang.eval("def m = [:]; m.a.b() ?: 3", checkpoint_each_statement=cpe) == 3
