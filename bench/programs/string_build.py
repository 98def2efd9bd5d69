"""Building a text report: f-strings, %-formatting, repetition, += and a final join."""

KIND = "typed"
N = 80_000
QUICK_N = 20

NAMES = ['alice', 'bob', 'carol', 'dave', 'eve', 'mallory', 'trent']


def run(n):
    rows = []
    for i in range(n):
        name = NAMES[i % len(NAMES)]
        score = i * 37 % 101
        row = f"{i}: {name.upper()} scored {score}"
        row += ' (pass)' if score > 50 else ' (fail)'
        row += ' ' + '*' * (score // 10)
        row += ' |%5d|%-8s|%05d|' % (score, name, i)
        rows.append(row)
    report = '\n'.join(rows)
    header = f"report of {len(rows)} rows, {len(report)} chars"
    return [header, rows[n - 1], len(report)]
