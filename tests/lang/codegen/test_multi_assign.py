"""``(a, b.x.y) ?= [v1, v2]``: a target whose value is null is neither stored nor has its
missing parents created, as for a single ``?=``."""

import pytest

import lang


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,expected", [
    ('def a,b,c; (a,b) = [1,[:]]; (a,b.x.y) ?= [3,c]; "$a:$b"', "3:[:]"),
    ('def a,b,c; (a,b) = [1,[:]]; (a,b.x.y) ?= [3,4]; "$a:$b"', "3:[x:[y:4]]"),
    ('def a,b; b = [:]; (a,b.x.y) ?= [sleep(0,3),sleep(0,null)]; "$a:$b"', "3:[:]"),
    ('def a = 1, b = [x:[:]]; (a,b.x.y) ?= [null,5]; "$a:$b"', "1:[x:[y:5]]"),
])
def test_conditional_multi_assignment(src, expected, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == expected
