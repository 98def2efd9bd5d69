"""LCG + running checksum; the Jactl twin does it on typed `long` variables."""

KIND = "typed"
N = 300_000
QUICK_N = 200


def run(n):
    acc = 0
    x = 12345
    for i in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        digit = i % 7
        acc = (acc + x * digit) % 1000000007
        if x % 3 == 0:
            acc += 1
    return acc
