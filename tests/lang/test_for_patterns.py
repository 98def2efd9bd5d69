"""for-each headers are switch patterns: non-matching elements are skipped with ``in`` and
an error with ``:``; ``it`` is the whole element; loop variables live in the loop. Run plainly
and with a checkpoint at every statement restored in a fresh Context."""

import pytest

import lang
from fastpath_cases import run_saving_each_suspension as run
from lang.errors import CompileError, JactlRuntimeError




CASES = [
    ("def s = 0; for ([i,i] in [[1,2],[2,2],[3,3],[3,4]]) { s += i }; s", 5),
    ("int s; for ([_,j] in [[1,2],[3,4]]) { s += j }; s", 6),
    ("int s; for ([h,*t] in [[1,2,3],[3,4,5,6,7,8]]) { s += h + t.size() }; s", 11),
    ("int s; for ([_,[i,j]] in [[1,[2,3]],[3,[4,5]],[6,7]]) { s += i + j }; s", 14),
    ("int s; for ([_,[i,*,i]] in [[1,[2,2]],[3,[4,5]],[4,[1,2,3,4,1]]]) { s += i }; s", 3),
    ("def r = []; for ([name:n, *] in [[name:'a', x:1], [y:2], [name:'b']]) { r <<= n }; r",
     ["a", "b"]),
    ("def r = []; for ([3, String s] in [[1,'x'], [3,'y'], [3, 4]]) { r <<= s }; r", ["y"]),
    ("def id = 3; def r = []; for ([$id, s] in [[1,2], [3,'abc']]) { r <<= s }; r", ["abc"]),
    ("class X { int i; int j }; int s; for (X(i,j) in [new X(1,2), new X(3,4)]) { s += i + j }; s",
     10),
    ("class X { int i; int j }; int s; for (X(i:3,j:y) in [new X(1,2), new X(3,4)]) { s += y }; s",
     4),
    ("class Y{}; class X extends Y { int i }; int n; for (X in [new X(1), new Y(), 3]) { n++ }; n",
     1),
    ("int n; for (int i in [1, 'a', 2]) { n += i }; n", 3),
    ("int s; for ([var i,j] in [[1,2]]) { s += i + j + it.sum() }; s", 6),
    ("int s; for ([var i,j] in [[1,2]]) { def it = 7; s += i + j + it }; s", 10),
    ("int s; LOOP: for ([h,*t] in [[1,2,3],[4,5]]) { continue LOOP if h > 3; s += h }; s", 1),
    ("def r = []; for (x in [1,2]) { r <<= sleep(0, x) + it }; r", [2, 4]),
    ("def r = []; for ([a, b] in [[1,2],[3]]) { r <<= sleep(0, a + b) }; r", [3]),
]


@pytest.mark.parametrize("source,expected", CASES)
def test_for_pattern(source, expected):
    assert run(source) == expected
    assert run(source, cpe=True) == expected


@pytest.mark.parametrize("source,expected", [c for c in CASES if "sleep" in c[0]])
def test_for_pattern_restored(source, expected):
    assert run(source, restore=True) == expected
    assert run(source, cpe=True, restore=True) == expected


@pytest.mark.parametrize("source,message", [
    ("int s; for ([_,j,_]: [[1,2],[3,4]]) { s += j }; s", "did not match expected pattern"),
    ("int n; for (int : [1,2,'abc',3]) n++; n", "did not match"),
    ("for (i in null) { }", "null object"),
])
def test_strict_loop_errors(source, message):
    with pytest.raises(JactlRuntimeError, match=message) as e:
        run(source)
    assert e.value.line == 1 and e.value.column


@pytest.mark.parametrize("source,message", [
    ("int s; for ([i,j] in [[1,2]]) { s += i + j }; i + j", "unknown variable"),
    ("int s; int i = 4; for ([_,[i,j]] in [[1,[2,3]]]) { s += i + j }; s", "shadows another"),
    ("String i; for (i: []); 1", "shadows another variable"),
    ("for (int i in [1,2,3]) i++; i", "unknown variable 'i'"),
])
def test_loop_variables_belong_to_the_loop(source, message):
    with pytest.raises(CompileError, match=message):
        run(source)


def test_c_style_for_without_declaration_declares_around_the_loop():
    assert run("def x = 0; for (i = 0, j = 5; i < 10; i++, j++) {}; i + j") == 25
    assert run("for (i = 0; i < 10; i++) {}; i") == 10
    with pytest.raises(CompileError, match="unknown variable"):
        run("def j; for (i = 0, j; i < 10; i++) {}")
