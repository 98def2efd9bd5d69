"""Jactl vs hand-written CPython, same algorithms, measured in one run.

    python bench/bench_lang.py [--repeat N]

Prints, for each benchmark, the best time of N runs of the compiled Jactl script (compile
time excluded: scripts are compiled once and cached) and of the equivalent Python, and
their ratio. Target: ratio <= 2.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lang  # noqa: E402

sys.setrecursionlimit(10000)

BENCHES = {
    "fib(25) int params": (
        "int fib(int n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(25)",
        lambda: _py_fib(25),
    ),
    "fib(25) def params": (
        "def fib(n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(25)",
        lambda: _py_fib(25),
    ),
    "loop 10^6 int": (
        "int sum = 0\nfor (int i = 0; i < 1000000; i++) { sum += i % 3 }\nsum",
        lambda: _py_loop(1000000),
    ),
    "loop 10^6 def": (
        "def sum = 0\nfor (def i = 0; i < 1000000; i++) { sum += i % 3 }\nsum",
        lambda: _py_loop(1000000),
    ),
    "pipeline 10^5": (
        "100000.map{ it % 100 }.filter{ it % 3 == 0 }.sum()",
        lambda: _py_pipeline(100000),
    ),
}


def _py_fib(n):
    return n if n < 2 else _py_fib(n - 1) + _py_fib(n - 2)


def _py_loop(n):
    s = 0
    i = 0
    while i < n:
        s += i % 3
        i += 1
    return s


def _py_pipeline(n):
    return sum(x for x in (y % 100 for y in range(n)) if x % 3 == 0)


def best(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--max-ratio", type=float, default=None,
                    help="exit 1 if any ratio exceeds this")
    a = ap.parse_args()
    ctx = lang.Context()
    worst = 0.0
    print(f"{'benchmark':<22} {'jactl ms':>10} {'python ms':>10} {'ratio':>7}")
    for name, (src, py) in BENCHES.items():
        script = ctx.compile(src, name)
        # alternate the two so that machine noise hits both alike; keep each one's best
        tj = tp = float("inf")
        for _ in range(a.repeat):
            t, rj = best(lambda: script.start({}).value, 1)
            tj = min(tj, t)
            t, rp = best(py, 1)
            tp = min(tp, t)
        if rj != rp:
            print(f"{name}: result mismatch jactl={rj!r} python={rp!r}")
            return 1
        ratio = tj / tp
        worst = max(worst, ratio)
        print(f"{name:<22} {tj * 1000:>10.2f} {tp * 1000:>10.2f} {ratio:>7.2f}")
    if a.max_ratio is not None and worst > a.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
