"""Parsing log lines with a compiled regex and groups: counts, latency totals, slowest."""

import re

KIND = "mixed"
N = 30_000
QUICK_N = 20

LEVELS = ['INFO', 'WARN', 'ERROR', 'DEBUG']
SERVICES = ['auth', 'billing', 'search', 'cart']
LINE_RE = re.compile(r'^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (\w+) \[(\w+)\] '
                     r'request id=([\w-]+) user=(\w+) took (\d+)ms$')
USER_RE = re.compile(r'user=u\d+')


def run(n):
    lines = []
    for i in range(n):
        ms = i * 37 % 997
        stamp = '2024-03-%02d %02d:%02d:%02d' % (i % 28 + 1, i // 3600 % 24, i // 60 % 60, i % 60)
        lines.append(f"{stamp} {LEVELS[i * 7 % 4]} [{SERVICES[i % 4]}] request id=req-{i} "
                     f"user=u{i % 113} took {ms}ms")
    by_level = {}
    latency = {}
    slowest = ''
    slowest_ms = -1
    bad = 0
    for line in lines:
        m = LINE_RE.search(line)
        if m:
            level = m.group(7)
            service = m.group(8)
            ms = int(m.group(11))
            by_level[level] = by_level.get(level, 0) + 1
            latency[service] = latency.get(service, 0) + ms
            if ms > slowest_ms:
                slowest_ms = ms
                slowest = m.group(9)
        else:
            bad += 1
    sample = USER_RE.sub('user=***', lines[n - 1], count=1)
    return [by_level, latency, slowest, slowest_ms, bad, sample]
