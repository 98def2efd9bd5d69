"""A limit order book simulation: orders, price levels, trades, a matching engine,
listener and fee-rule closures, per-trader position dicts and a text report.

The Jactl twin types its class fields and most locals; positions and fee rules are untyped
Maps, as they would be in a script.
"""

KIND = "mixed"
N = 10_000
QUICK_N = 60


class Rng:
    def __init__(self, seed):
        self.seed = seed

    def next(self, bound):
        self.seed = (self.seed * 1103515245 + 12345) % 2147483648
        return (self.seed // 65536) % bound


class Order:
    def __init__(self, id, trader, side, price, qty):
        self.id = id
        self.trader = trader
        self.side = side
        self.price = price
        self.qty = qty
        self.filled = 0

    def remaining(self):
        return self.qty - self.filled

    def is_done(self):
        return self.filled >= self.qty

    def describe(self):
        return f"#{self.id} {self.side} {self.remaining()}@{self.price}"


class Trade:
    def __init__(self, buy_id, sell_id, price, qty, buyer, seller):
        self.buy_id = buy_id
        self.sell_id = sell_id
        self.price = price
        self.qty = qty
        self.buyer = buyer
        self.seller = seller

    def notional(self):
        return self.price * self.qty


class Level:
    def __init__(self, price):
        self.price = price
        self.orders = []

    def total(self):
        total = 0
        for o in self.orders:
            total += o.remaining()
        return total


class Book:
    def __init__(self, symbol):
        self.symbol = symbol
        self.bids = []      # Levels, best (highest price) first
        self.asks = []      # Levels, best (lowest price) first
        self.live = {}      # order id -> resting Order
        self.listeners = []
        self.last_price = 0

    def on_trade(self, listener):
        self.listeners.append(listener)

    def level_for(self, levels, price, descending):
        i = 0
        while i < len(levels):
            level = levels[i]
            if level.price == price:
                return level
            if (level.price < price) if descending else (level.price > price):
                break
            i += 1
        level = Level(price)
        levels.insert(i, level)
        return level

    def submit(self, o):
        trades = []
        opposite = self.asks if o.side == 'buy' else self.bids
        while not o.is_done() and opposite:
            best = opposite[0]
            crosses = best.price <= o.price if o.side == 'buy' else best.price >= o.price
            if not crosses:
                break
            while not o.is_done() and best.orders:
                resting = best.orders[0]
                q = min(o.remaining(), resting.remaining())
                o.filled += q
                resting.filled += q
                if o.side == 'buy':
                    t = Trade(o.id, resting.id, best.price, q, o.trader, resting.trader)
                else:
                    t = Trade(resting.id, o.id, best.price, q, resting.trader, o.trader)
                trades.append(t)
                self.last_price = best.price
                for listener in self.listeners:
                    listener(t)
                if resting.is_done():
                    best.orders.pop(0)
                    del self.live[resting.id]
            if not best.orders:
                opposite.pop(0)
        if not o.is_done():
            if o.side == 'buy':
                level = self.level_for(self.bids, o.price, True)
            else:
                level = self.level_for(self.asks, o.price, False)
            level.orders.append(o)
            self.live[o.id] = o
        return trades

    def cancel(self, id):
        o = self.live.get(id)
        if o is None:
            return False
        levels = self.bids if o.side == 'buy' else self.asks
        for i, level in enumerate(levels):
            if level.price == o.price:
                for j, other in enumerate(level.orders):
                    if other.id == id:
                        del level.orders[j]
                        break
                if not level.orders:
                    del levels[i]
                break
        del self.live[id]
        return True

    def depth(self, count):
        b = ' '.join(f"{lv.total()}@{lv.price}" for lv in self.bids[:count])
        a = ' '.join(f"{lv.total()}@{lv.price}" for lv in self.asks[:count])
        return f"{self.symbol} bids[{b}] asks[{a}]"


TRADERS = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay']


def run(n):
    positions = {name: {'qty': 0, 'cash': 0, 'fees': 0, 'trades': 0} for name in TRADERS}
    fee_rules = {
        'small': lambda t: 1 if t.notional() < 5000 else 0,
        'large': lambda t: t.notional() // 2000 if t.notional() >= 5000 else 0,
    }
    book = Book('JCTL')
    volume = 0

    def settle(t):
        buyer = positions[t.buyer]
        seller = positions[t.seller]
        fee = sum(f(t) for f in fee_rules.values())
        buyer['qty'] += t.qty
        buyer['cash'] -= t.notional()
        seller['qty'] -= t.qty
        seller['cash'] += t.notional()
        buyer['fees'] += fee
        seller['fees'] += fee
        buyer['trades'] += 1
        seller['trades'] += 1

    def count_volume(t):
        nonlocal volume
        volume += t.qty

    book.on_trade(settle)
    book.on_trade(count_volume)

    rng = Rng(42)
    next_id = 1
    cancelled = 0
    trade_count = 0
    for i in range(n):
        if i % 5 == 4 and next_id > 10:
            victim = next_id - 1 - rng.next(10)
            if book.cancel(victim):
                cancelled += 1
        else:
            side = 'buy' if rng.next(2) == 0 else 'sell'
            price = 1000 + rng.next(21) - 10
            o = Order(next_id, TRADERS[rng.next(len(TRADERS))], side, price, 1 + rng.next(50))
            next_id += 1
            trade_count += len(book.submit(o))

    def pnl(name):
        p = positions[name]
        return p['cash'] + p['qty'] * book.last_price - p['fees']

    ranking = sorted(TRADERS, key=lambda name: (-pnl(name), name))
    lines = ['%-4s qty=%5d trades=%4d fees=%4d' % (name, positions[name]['qty'],
                                                    positions[name]['trades'],
                                                    positions[name]['fees'])
             for name in ranking]
    return [trade_count, volume, cancelled, len(book.live), book.depth(3), '\n'.join(lines)]
