"""Tokenizer, recursive-descent parser and evaluator for a small expression language.

Tokens are class instances, the syntax tree is nested dicts, builtin functions are
lambdas in a dict; the Jactl twin has the same shape (classes, Maps, closures, switch).
"""

KIND = "mixed"
N = 2_000
QUICK_N = 8


class Token:
    def __init__(self, kind, text, pos):
        self.kind = kind    # 'num', 'id', 'op', 'end'
        self.text = text
        self.pos = pos


class Lexer:
    def __init__(self, src):
        self.src = src
        self.pos = 0

    def tokens(self):
        result = []
        src = self.src
        length = len(src)
        while self.pos < length:
            c = src[self.pos]
            if c == ' ':
                self.pos += 1
            elif '0' <= c <= '9':
                start = self.pos
                while self.pos < length and '0' <= src[self.pos] <= '9':
                    self.pos += 1
                result.append(Token('num', src[start:self.pos], start))
            elif 'a' <= c <= 'z':
                start = self.pos
                while self.pos < length and ('a' <= src[self.pos] <= 'z'
                                             or '0' <= src[self.pos] <= '9'):
                    self.pos += 1
                result.append(Token('id', src[start:self.pos], start))
            elif c in '+-*%(),':
                result.append(Token('op', c, self.pos))
                self.pos += 1
            else:
                raise ValueError(f"bad character '{c}' at {self.pos}")
        result.append(Token('end', '', self.pos))
        return result


class Parser:
    def __init__(self, toks):
        self.toks = toks
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, text):
        if self.peek().kind == 'op' and self.peek().text == text:
            self.i += 1
            return True
        return False

    def expect(self, text):
        if not self.accept(text):
            raise ValueError(f"expected {text} at {self.peek().pos}")

    def parse_expr(self):
        left = self.parse_term()
        while True:
            if self.accept('+'):
                left = {'type': 'bin', 'op': '+', 'left': left, 'right': self.parse_term()}
            elif self.accept('-'):
                left = {'type': 'bin', 'op': '-', 'left': left, 'right': self.parse_term()}
            else:
                return left

    def parse_term(self):
        left = self.parse_unary()
        while True:
            if self.accept('*'):
                left = {'type': 'bin', 'op': '*', 'left': left, 'right': self.parse_unary()}
            elif self.accept('%'):
                left = {'type': 'bin', 'op': '%', 'left': left, 'right': self.parse_unary()}
            else:
                return left

    def parse_unary(self):
        return {'type': 'neg', 'arg': self.parse_unary()} if self.accept('-') \
            else self.parse_primary()

    def parse_primary(self):
        t = self.next()
        if t.kind == 'num':
            return {'type': 'num', 'value': int(t.text)}
        if t.kind == 'id':
            if self.accept('('):
                args = []
                if not self.accept(')'):
                    args.append(self.parse_expr())
                    while self.accept(','):
                        args.append(self.parse_expr())
                    self.expect(')')
                return {'type': 'call', 'name': t.text, 'args': args}
            return {'type': 'var', 'name': t.text}
        if t.kind == 'op' and t.text == '(':
            e = self.parse_expr()
            self.expect(')')
            return e
        raise ValueError(f"unexpected '{t.text}' at {t.pos}")


FUNCTIONS = {
    'max': lambda a, b: a if a > b else b,
    'min': lambda a, b: a if a < b else b,
    'abs': lambda a: -a if a < 0 else a,
    'sq': lambda a: a * a,
}


def evaluate(node, env, fns):
    match node['type']:
        case 'num':
            return node['value']
        case 'var':
            return env[node['name']]
        case 'neg':
            return -evaluate(node['arg'], env, fns)
        case 'call':
            f = fns[node['name']]
            args = [evaluate(a, env, fns) for a in node['args']]
            return f(args[0]) if len(args) == 1 else f(args[0], args[1])
        case 'bin':
            left = evaluate(node['left'], env, fns)
            right = evaluate(node['right'], env, fns)
            match node['op']:
                case '+':
                    return left + right
                case '-':
                    return left - right
                case '*':
                    return left * right
                case '%':
                    return left % right


def count_nodes(node):
    match node['type']:
        case 'bin':
            return 1 + count_nodes(node['left']) + count_nodes(node['right'])
        case 'neg':
            return 1 + count_nodes(node['arg'])
        case 'call':
            return 1 + sum(count_nodes(a) for a in node['args'])
        case _:
            return 1


TEMPLATES = [
    lambda i: f"(x + {i % 97}) * (y - {i % 13}) - max({i % 7 + 1}, z)",
    lambda i: f"abs({i % 11} - w) * 3 + sq(x % {i % 5 + 2}) - -y",
    lambda i: f"min(x * y, {i % 50 + 10}) % (z + 7) + max(w, abs(x - {i % 29}))",
    lambda i: f"((a1 + {i % 17}) * (a2 - 3) + sq({i % 9})) % 1009 - w * 2",
]


def run(n):
    total = 0
    token_count = 0
    node_count = 0
    for i in range(n):
        src = TEMPLATES[i % len(TEMPLATES)](i)
        toks = Lexer(src).tokens()
        token_count += len(toks)
        tree = Parser(toks).parse_expr()
        env = {'x': i % 23, 'y': i % 31 - 15, 'z': i % 5, 'w': i % 41, 'a1': i % 3, 'a2': i % 19}
        value = evaluate(tree, env, FUNCTIONS)
        total = (total * 31 + value) % 1000000007
        node_count += count_nodes(tree)
    return [total, token_count, node_count]
