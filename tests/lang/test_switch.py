"""Switch expressions: parsing, matching, binding, guards, regexes and suspension."""

import pytest

import lang


def ev(src, **kw):
    return lang.eval(src, **kw)


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,expected", [
    ("switch (1) { 1 -> 'one'; 2 -> 'two'; default -> 'other' }", "one"),
    ("switch (3) { 1 -> 'one'; 2 -> 'two'; default -> 'other' }", "other"),
    ("switch (3) { 1,3,5 -> 'odd'; 2,4 -> 'even' }", "odd"),
    ("switch (9) { 1,3,5 -> 'odd'; 2,4 -> 'even' }", None),
    ("def x = 1L; switch (x) { 1 -> true; default -> false }", False),
    ("def x = 1L; switch (x) { 1L -> true; default -> false }", True),
    ("def x = 'abc'; switch (x) { int -> 1; String -> 2 }", 2),
    ("switch ([1,2,3]) { [a,*,b] -> a + b }", 4),
    ("switch ([1,2,3]) { [_,*rest] -> rest }", [2, 3]),
    ("switch ([1,2,2]) { [a,a,_] -> 1; [_,a,a] -> a }", 2),
    ("switch ([k1:1,k2:2,k3:3]) { [k1:a,k2:b] -> 0; [k1:a,k2:b,*] -> a + b }", 3),
    ("switch ([1,'x']) { [int a, String b] -> b + a }", "x1"),
    ("def x = 'a+b'; switch (x) { /(.*)\\+(.*)/r -> $2 + $1; default -> 0 }", "ba"),
    ("def it = 4; switch { 1,2,3 -> 2; _ -> it * 2 }", 8),
    ("switch (5) { int i if i < 3 -> 'small'; int i -> { def j = i * 2; j + 1 } }", 11),
    ("int v = 3; switch ([6, 3]) { [${2*v}, $v] -> 'yes'; _ -> 'no' }", "yes"),
    ("def x = [1,2,3]; switch (x) { [a,b,c] -> a if a < 3 }", 1),
    ("def f(x) { switch (x) { [] -> 0; [h, *t] -> h + f(t) } }; f([1,2,3,4])", 10),
])
def test_switch_values(src, expected, cpe):
    assert ev(src, checkpoint_each_statement=cpe) == expected


@pytest.mark.parametrize("src,msg", [
    ("switch (1) { 1 -> 2; 1 -> 3 }", "literal match occurs multiple times"),
    ("int x = 2; switch (x) { 1,2 -> x; 'abc' -> 3 }", "can never match"),
    ("switch (1) { default -> 3; default -> 4 }", "cannot have multiple 'default'"),
    ("def x; switch (x) { int,long -> 1; 1,2,String -> 2 }", "covered by a previous"),
    ("switch ([1,2,3]) { _ -> 1; [1,2,3] -> 2 }", "unreachable switch case"),
])
def test_switch_errors(src, msg):
    with pytest.raises(lang.JactlError) as ei:
        ev(src)
    assert msg.lower() in str(ei.value).lower()


@pytest.mark.parametrize("cpe", [False, True])
def test_switch_suspends_in_guard_and_result(cpe):
    src = """
    def r = []
    for (int i = 0; i < 4; i++) {
      r <<= switch (i) {
        int x if sleep(0, x) % 2 == 0 -> sleep(0, x * 10)
        1     -> { def y = sleep(0, 'one'); y + '!' }
        _     -> 'other'
      }
    }
    r
    """
    assert ev(src, checkpoint_each_statement=cpe) == [0, "one!", 20, "other"]


@pytest.mark.parametrize("cpe", [False, True])
def test_switch_suspends_in_subject_and_bindings(cpe):
    src = """
    def f(x) { switch (sleep(0, x)) { [a, *b] if sleep(0, a) > 0 -> a + sleep(0, b.size()); _ -> -1 } }
    [f([1,2,3]), f([0]), f('x')]
    """
    assert ev(src, checkpoint_each_statement=cpe) == [3, -1, -1]


# ${...} code inside a collection pattern runs in order, after the bindings before it
@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,expected", [
    ("int[] x = [1,2,2]; switch (x) { [a,${++a},a] -> a; _ -> false }", 2),
    ("int[] x = [1,2,2]; switch (x) { [a,${sleep(0,++a) + sleep(0,0)},${sleep(0,a)}] -> a; _ -> false }", 2),
    ("def i = 1; int[] x = [1,2,3]; switch (x) { [a,${def i = 2; i*a},${3*a}] -> 2*a+i; _ -> false }", 3),
    ("def i = 1; int[] x = [1,2,3]; switch (x) { [a,${switch(a){$a->a}*2},${3*a}] -> 2*a+i; _ -> false }", 3),
    # code after a part that did not match does not run
    ("def n = 0; switch ([1,2]) { [5,${n++; 2}] -> 'x'; [1,${n++; 2}] -> n }", 1),
    ("def n = 0; switch ([a:1,b:2]) { [a:x,b:${n += x; 1+x}] -> n }", 1),
    ("def n = 0; switch ([1,2,3,4]) { [a,*r,${a+3}] -> r; _ -> 0 }", [2, 3]),
])
def test_code_in_patterns_runs_in_order(src, expected, cpe):
    assert ev(src, checkpoint_each_statement=cpe) == expected
