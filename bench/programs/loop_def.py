"""Counting loop summing `i % 3`; untyped (`def`) loop in the Jactl twin."""

KIND = "def"
N = 1_500_000
QUICK_N = 100


def run(n):
    total = 0
    for i in range(n):
        total += i % 3
    return total
