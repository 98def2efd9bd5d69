"""Inlined map/filter stages fused into one comprehension (codegen/dynamic.py:
comprehension): the values, and the first error when two stages would fail, are those of
the same chain with closures that are not inlined (a first statement added), which runs
Jactl's lazy chain: elements go through every stage one at a time."""

import pytest

import lang

CHAINS = [
    "n.map{ it % 10 }.filter{ it % 3 == 0 }.sum()",
    "n.map{ it * 2 }.map{ it + 1 }.filter{ it % 3 != 0 }",
    "n.filter{ it % 2 == 0 }.map{ it * it }.sum()",
    "n.filter{ it > 1 }.filter{ it < 5 }.map{ \"x$it\" }.join(',')",
    "[a:1, b:2, c:3].map{ it[1] }.filter{ it != 2 }",
    "'hello'.map{ it.toUpperCase() }.filter{ it != 'L' }.join()",
    "[1, 'x'].map{ it % 10 }.filter{ 10 / (it - 1) > 0 }",  # the filter fails first, on 1
    "[1, 'x'].map{ it - 1 }.filter{ 10 / it > 0 }",
    "[[k:1], [k:2]].map{ it.k }.filter{ it > 1 }",
    "n.map{ it % 10 }.filter{ it > 2 }.map{ it % 3 }.sum()",
]


def _run(src, n):
    try:
        return "ok", lang.eval(src, {"n": n})
    except lang.JactlError as e:
        return "err", str(e).split(" @ ")[0]


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("n", [7, 0, -3])
def test_fused_chain_is_the_lazy_chain(chain, n):
    plain = chain.replace("{ ", "{ def z = 0; ")   # closures of two statements: not inlined
    assert "_pipe_src" not in lang.Context().compile(plain, globals={"n": 0}).py_source
    assert _run(chain, n) == _run(plain, n)


def test_stages_are_fused():
    py = lang.Context().compile(CHAINS[-1], globals={"n": 0}).py_source
    assert py.count("_pipe_src(") == 1 and ", 'map', 3)" in py
    py = lang.Context().compile(CHAINS[1], globals={"n": 0}).py_source   # (:= in elements)
    assert py.count("_pipe_src(") == 1 and ", 'map', 3)" in py
