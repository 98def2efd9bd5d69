"""Sorting a list of dicts by several fields (city, age descending, name), then by score.

The Jactl twin passes comparator closures to sort(); Python's idiom is a key function,
which is what a Python programmer writes for the same ordering.
"""

KIND = "def"
N = 25_000
QUICK_N = 30

CITIES = ['Oslo', 'Lima', 'Cairo', 'Perth', 'Quito', 'Berlin', 'Austin']


def run(n):
    people = []
    for i in range(n):
        people.append({'name': 'p' + str(i * 7919 % n), 'age': i * 31 % 90,
                       'city': CITIES[i * 3 % 7], 'score': i * 13 % 1000})
    by_city = sorted(people, key=lambda p: (p['city'], -p['age'], p['name']))
    by_score = sorted(people, key=lambda p: (-p['score'], p['name']))
    return [[p['name'] for p in by_city[:3]], by_city[n - 1]['name'],
            [f"{p['name']}:{p['score']}" for p in by_score[:3]]]
