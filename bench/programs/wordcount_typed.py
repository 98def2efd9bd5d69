"""Word frequencies over generated text: split lines and words, count in a dict, top 5.

The Jactl twin types its variables (List, Map, String, int).
"""

KIND = "typed"
N = 40_000
QUICK_N = 30

VOCAB = ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog', 'and',
         'runs', 'away', 'from', 'a', 'Big', 'red', 'barn', 'while', 'farmer', 'John',
         'sleeps', 'under', 'an', 'old', 'oak', 'tree', 'near', 'river', 'bank', 'Fox']


def run(n):
    v = len(VOCAB)
    lines = []
    for i in range(n):
        words = []
        for j in range(5 + i % 7):
            words.append(VOCAB[(i * 7 + j * 13 + i // 3) % v])
        lines.append(' '.join(words))
    text = '\n'.join(lines)

    counts = {}
    for line in text.split('\n'):
        for word in line.split(' '):
            w = word.lower()
            counts[w] = counts.get(w, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [len(counts), ','.join(f"{w}={c}" for w, c in top[:5])]
