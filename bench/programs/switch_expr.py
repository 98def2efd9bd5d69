"""Pattern matching with Python's match statement: literals, types, sequences, mappings.

The Jactl twin uses switch expressions with the same patterns (map patterns end in `*`,
as Python's mapping patterns also accept extra keys).
"""

KIND = "def"
N = 60_000
QUICK_N = 30


def describe(x):
    match x:
        case 0 | 1:
            return 'tiny'
        case int():
            return 'even' if x % 2 == 0 else 'odd'
        case 'stop' | 'halt':
            return 'stop'
        case str():
            return 'word'
        case [_, _]:
            return 'pair'
        case [int(a), int(b), int(c)]:
            return 'big-triple' if a + b + c > 10 else 'triple'
        case {'op': 'add', 'v': _}:
            return 'add'
        case _:
            return 'other'


def step(acc, msg):
    match msg:
        case {'op': 'add', 'v': v}:
            return (acc + v) % 1000003
        case {'op': 'mul', 'v': v}:
            return acc * v % 1000003
        case {'op': 'neg'}:
            return 1000003 - acc
        case _:
            return acc


INPUTS = [0, 1, 7, 8, 'stop', 'hello', [1, 2], [1, 2, 3], [4, 5, 6], {'op': 'add', 'v': 3},
          {'op': 'mul', 'v': 5, 'extra': 1}, [1, 'x', 3], 'halt', 12]
OPS = ['add', 'mul', 'neg', 'nop']


def run(n):
    counts = {}
    acc = 1
    for i in range(n):
        kind = describe(INPUTS[i % len(INPUTS)])
        counts[kind] = counts.get(kind, 0) + 1
        acc = step(acc, {'op': OPS[i % 4], 'v': i % 17 + 1})
    return [counts, acc]
