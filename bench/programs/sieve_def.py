"""Sieve of Eratosthenes counting primes <= n; untyped variables and a List in Jactl."""

KIND = "def"
N = 600_000
QUICK_N = 100


def run(n):
    composite = [False for _ in range(n + 1)]
    i = 2
    while i * i <= n:
        if not composite[i]:
            for j in range(i * i, n + 1, i):
                composite[j] = True
        i += 1
    count = 0
    for i in range(2, n + 1):
        if not composite[i]:
            count += 1
    return count
