"""Invoice arithmetic with decimal.Decimal: line totals, discount, tax, per-region sums."""

from decimal import Decimal

KIND = "typed"
N = 100_000
QUICK_N = 20

PRICES = [Decimal(p) for p in ('19.99', '5.49', '120.00', '0.99', '42.50', '7.25', '310.10')]
REGIONS = ['north', 'south', 'east', 'west']
RATES = {'north': Decimal('0.0825'), 'south': Decimal('0.07'), 'east': Decimal('0.0625'),
         'west': Decimal('0.09')}
HUNDRED = Decimal(100)
FIVE_PERCENT = Decimal('0.05')


def run(n):
    by_region = {}
    grand = Decimal(0)
    discounted = 0
    for i in range(n):
        price = PRICES[i % len(PRICES)]
        qty = i % 9 + 1
        subtotal = price * qty
        discount = Decimal(0)
        if subtotal >= HUNDRED:
            discount = subtotal * FIVE_PERCENT
            discounted += 1
        region = REGIONS[i % 4]
        tax = (subtotal - discount) * RATES[region]
        total = subtotal - discount + tax
        by_region[region] = by_region.get(region, 0) + total
        grand += total
    return [str(grand), discounted,
            ';'.join(f"{r}={by_region[r]}" for r in REGIONS)]
