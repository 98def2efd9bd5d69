"""One List argument spread over several parameters, as Jactl does, wherever the argument
is untyped - also inside a closure body the code generator specialises for int ``it``."""

import lang


def test_untyped_argument_in_a_closure_is_spread_at_run_time():
    assert lang.eval("def f(x,y,z){x+y+z}; [[1,2,3]].map{ f(it) }") == [6]
    assert lang.eval("def f(x,y,z){x+y+z}; [1,2,3].map{ f(it,1,1) }") == [3, 4, 5]


def test_untyped_local_is_spread():
    assert lang.eval("def f(x,y,z){x+y+z}; def p=[1,2,3]; f(p)") == 6
