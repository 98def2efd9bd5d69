"""Dicts as records: a ledger of accounts updated by a stream of transaction dicts."""

KIND = "def"
N = 100_000
QUICK_N = 200

KINDS = ['deposit', 'withdraw', 'fee', 'transfer']


def run(n):
    accounts = {}
    for a in range(50):
        accounts[f"acc{a}"] = {'id': f"acc{a}", 'owner': {'name': f"owner{a}", 'tier': a % 3},
                               'balance': 100, 'count': 0, 'flags': []}
    rejected = 0
    for i in range(n):
        tx = {'from': f"acc{i % 50}", 'to': f"acc{i * 7 % 50}", 'kind': KINDS[i % 4],
              'amount': i % 200 + 1}
        acct = accounts[tx['from']]
        if tx['kind'] == 'deposit':
            acct['balance'] += tx['amount']
        elif tx['kind'] == 'withdraw' or tx['kind'] == 'fee':
            if tx['kind'] == 'fee':
                amount = tx['amount'] // 10 + acct['owner']['tier']
            else:
                amount = tx['amount']
            if acct['balance'] >= amount:
                acct['balance'] -= amount
            else:
                rejected += 1
                if len(acct['flags']) < 3:
                    acct['flags'].append(f"overdraw@{i}")
                continue
        else:
            target = accounts[tx['to']]
            if acct['balance'] >= tx['amount']:
                acct['balance'] -= tx['amount']
                target['balance'] += tx['amount']
                target['count'] += 1
        acct['count'] += 1
    richest = max(accounts.values(), key=lambda v: v['balance'])
    return [rejected, richest['id'], richest['balance'],
            sum(v['balance'] for v in accounts.values()),
            accounts['acc7']['flags'], accounts['acc3']['count']]
