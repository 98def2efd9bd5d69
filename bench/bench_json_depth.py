"""What the listener's JSON depth check costs: codec.too_deep against json.loads, on 1 MiB
bodies of several shapes (the largest body a reply may have by default).

    python bench/bench_json_depth.py [--depth 100] [--repeat 5]

Prints the median of each. The check runs before every parse of a reply body.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from jactl_worker import codec

MIB = 1 << 20


def _array_of(unit: str) -> str:
    n = MIB // (len(unit) + 1)
    return "[" + ",".join([unit] * (n - 1)) + "]"


CASES = {
    "one long string": json.dumps("x" * (MIB - 2)),
    "array of numbers": _array_of("123456"),
    "array of small objects": _array_of(json.dumps({"id": 12345, "name": "item-xyz", "tags": ["a", "b"],
                                                     "p": {"x": 1.5, "y": [1, 2]}})),
    "strings full of brackets": _array_of('"[[[[[[[[[\\"]]"'),
    "empty arrays": _array_of("[]"),
    "depth 63, repeated": _array_of("[" * 63 + "]" * 63),
    "depth 512k (rejected)": "[" * (MIB // 2) + "]" * (MIB // 2),
    "depth 350k, zig-zag (rejected)": "[[]" * (MIB // 3),
}


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _loads(text: str) -> None:
    try:
        json.loads(text)
    except (RecursionError, ValueError):
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'body (1 MiB)':32s} {'too deep':>8s} {'check':>9s} {'json.loads':>11s}")
    for name, text in CASES.items():
        verdict = codec.too_deep(text, args.depth)
        check = _median_ms(lambda: codec.too_deep(text, args.depth), args.repeat)
        parse = _median_ms(lambda: _loads(text), args.repeat)
        print(f"{name:32s} {str(verdict):>8s} {check:7.1f} ms {parse:8.1f} ms")


if __name__ == "__main__":
    main()
