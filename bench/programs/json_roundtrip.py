"""JSON messages: build a dict, json.dumps it (compact), json.loads it, read fields back."""

import json

KIND = "mixed"
N = 6_000
QUICK_N = 10

TYPES = ['order', 'cancel', 'quote']


def run(n):
    checksum = 0
    size = 0
    last = ''
    for i in range(n):
        msg = {'id': i, 'type': TYPES[i % 3], 'ok': i % 2 == 0, 'note': None,
               'payload': {'items': [i, i + 1, i + 2], 'user': f"user{i % 100}",
                           'tags': ['a', 'b' * (i % 3)],
                           'nested': {'depth': 2, 'leaf': {'x': i % 7}}}}
        text = json.dumps(msg, separators=(',', ':'))
        size += len(text)
        back = json.loads(text)
        checksum += sum(back['payload']['items']) + back['payload']['nested']['leaf']['x']
        if back['ok'] and back['type'] == 'quote':
            checksum += 1000
        last = text
    return [checksum, size, last]
