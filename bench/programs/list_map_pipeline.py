"""Collection pipelines over a list of dicts: filter, group, sum, max, as comprehensions."""

KIND = "def"
N = 60_000
QUICK_N = 30

CATEGORIES = ['books', 'games', 'music', 'tools', 'garden']


def run(n):
    records = [{'id': i, 'cat': CATEGORIES[i % 5], 'price': i * 7 % 101 + 1, 'qty': i % 4}
               for i in range(n)]
    sold = [r for r in records if r['qty'] > 0]
    by_cat = {}
    for r in sold:
        by_cat.setdefault(r['cat'], []).append(r)
    revenue_by_cat = {cat: sum(r['price'] * r['qty'] for r in rs) for cat, rs in by_cat.items()}
    expensive = [r['id'] for r in records if r['price'] > 90][:5]
    busiest = max(revenue_by_cat.items(), key=lambda kv: kv[1])
    avg_price = sum(r['price'] for r in records) // len(records)  # Jactl: int / int truncates
    return [revenue_by_cat, expensive, busiest[0], avg_price,
            any(r['price'] == 101 for r in records)]
