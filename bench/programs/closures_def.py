"""Closures from factories, composed, kept in a list and passed to higher-order functions.

The Jactl twin is untyped: `def` parameters, closures held in `def` variables.
"""

KIND = "def"
N = 120_000
QUICK_N = 50

M = 1000003


def adder(k):
    return lambda x: (x + k) % M


def multiplier(k):
    return lambda x: x * k % M


def compose(f, g):
    return lambda x: g(f(x))


def apply_all(fs, x):
    r = x
    for f in fs:
        r = f(r)
    return r


def fold(count, init, step):
    acc = init
    for i in range(count):
        acc = step(acc, i)
    return acc


def run(n):
    pipeline = [adder(1), multiplier(3), compose(adder(7), multiplier(5)), adder(11)]
    total = 0
    for i in range(n):
        total += apply_all(pipeline, i)
    folded = fold(n, 1, lambda acc, i: (acc * 31 + i) % M)
    return total + folded
