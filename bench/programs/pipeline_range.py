"""Lazy map -> filter -> sum over range(n), as generator expressions."""

KIND = "mixed"
N = 500_000
QUICK_N = 100


def run(n):
    return sum(x for x in (y % 100 for y in range(n)) if x % 3 == 0)
