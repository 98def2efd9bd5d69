"""Jactl's dynamic operators on runtime values.

Numeric promotion: byte < int < long < double < Decimal (so Decimal op double is Decimal);
byte op byte stays byte (unsigned, masked to 8 bits), int wraps at 32 bits, long at 64.
Each operator checks the all-int case first: that is what loops spend their time on.
"""

import decimal
import math

from ..errors import JactlRuntimeError, NullError
from .types import Long, Byte, JArray, Decimal
from .readonly import ReadOnlyList
from .values import to_string, class_name, wrap32, wrap64, to_decimal, NUMERIC_TYPES, dec_count
from .limits import BYTES_MIN, charge, charge_chars, check_chars, check_decimal, check_slots

__all__ = [
    "add", "sub", "mul", "div", "mod", "rem", "neg", "pos", "bit_not", "bit_and", "bit_or",
    "bit_xor", "shl", "shr", "ushr", "eq", "ne", "identical", "not_identical", "lt", "le",
    "gt", "ge", "compare", "in_", "not_in", "incr", "decr", "wrap32", "wrap64",
    "add_assign", "shl_assign", "append_in_place", "sub_assign", "decimal_divide",
    "compare_strings", "BINARY_OPS",
]

_RANK = {Byte: 0, int: 1, Long: 2, float: 3, Decimal: 4}
_R_BYTE, _R_INT, _R_LONG, _R_DOUBLE, _R_DECIMAL = 0, 1, 2, 3, 4

_MIN32, _MAX32 = -0x80000000, 0x7fffffff
_MIN64, _MAX64 = -0x8000000000000000, 0x7fffffffffffffff


# ---------------------------------------------------------------------------------------
# errors

def _left_err(a, sym):
    if a is None:
        raise NullError(f"Null operand for left-hand side of '{sym}'")
    raise JactlRuntimeError(
        f"Non-numeric operand for left-hand side of '{sym}': was {class_name(a)}")


def _right_err(b, sym):
    if b is None:
        raise NullError(f"Null operand for right-hand side of '{sym}'")
    raise JactlRuntimeError(
        f"Non-numeric operand for right-hand side of '{sym}': was {class_name(b)}")


def _ranks(a, b, sym):
    ra = _RANK.get(type(a))
    if ra is None:
        ra = _rank_slow(a)
        if ra is None:
            _left_err(a, sym)
    rb = _RANK.get(type(b))
    if rb is None:
        rb = _rank_slow(b)
        if rb is None:
            _right_err(b, sym)
    if ra == 0 and rb == 0:
        return 0
    return ra if ra > rb else (rb if rb > 0 else 1)


def _rank_slow(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, Long):
        return _R_LONG
    if isinstance(v, Byte):
        return _R_BYTE
    if isinstance(v, int):
        return _R_INT
    if isinstance(v, float):
        return _R_DOUBLE
    if isinstance(v, Decimal):
        return _R_DECIMAL
    return None


def _dec(v):
    return v if type(v) is Decimal else to_decimal(v)


def _fix_dec_zero(d):
    """Python Decimals have a negative zero; BigDecimal does not."""
    if not d and d.is_signed():
        return d.copy_abs()
    return d


# ---------------------------------------------------------------------------------------
# + - *

def add(a, b):
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a + b
        if _MIN32 <= r <= _MAX32:
            return r
        return ((r + 0x80000000) & 0xffffffff) - 0x80000000
    if (ta is Long or ta is int) and (tb is Long or tb is int):   # a long involved
        r = a + b
        return Long(r if _MIN64 <= r <= _MAX64 else wrap64(r))
    if (ta is float and (tb is float or tb is int)) or (ta is int and tb is float):
        return a + b        # double arithmetic (an int converts exactly)
    if ta is str:
        if tb is str:
            if len(a) + len(b) > BYTES_MIN:
                _big_concat(a, b)
            return a + b
        if tb is int:
            return a + int.__repr__(b)
        b = to_string(b)
        if len(a) + len(b) > BYTES_MIN:
            _big_concat(a, b)
        return a + b
    if ta is list or ta is JArray or ta is ReadOnlyList:
        if tb is list or tb is JArray or tb is ReadOnlyList:
            n = len(a) + len(b)
            check_slots(n)
            charge(n)
            return a + b if ta is list and tb is list else list(a) + list(b)
        check_slots(len(a) + 1)
        charge(len(a))
        r = list(a)
        r.append(b)
        return r
    if ta is dict:
        if tb is dict:
            charge(len(a) + len(b))
            r = dict(a)
            r.update(b)
            return r
        if b is None:
            raise NullError("Null operand for right-hand side of '+'")
        fields = getattr(b, "_jactl_fields", None)
        if fields is not None:
            r = dict(a)
            r.update(fields())
            return r
        raise JactlRuntimeError(f"Cannot add {class_name(b)} to Map")
    return _arith(a, b, "+", _ranks(a, b, "+"), _ADD)


def _big_concat(a, b):
    n = len(a) + len(b)
    check_chars(n)
    charge_chars(n)


def sub(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        r = a - b
        if _MIN32 <= r <= _MAX32:
            return r
        return ((r + 0x80000000) & 0xffffffff) - 0x80000000
    if (ta is Long or ta is int) and (type(b) is Long or type(b) is int):   # a long involved
        r = a - b
        return Long(r if _MIN64 <= r <= _MAX64 else wrap64(r))
    if (ta is float and (type(b) is float or type(b) is int)) or (ta is int and type(b) is float):
        return a - b        # double arithmetic (an int converts exactly)
    if ta is dict:
        tb = type(b)
        if tb is dict or tb is list or tb is JArray:
            r = dict(a)
            for k in b:
                try:
                    r.pop(k, None)
                except TypeError:
                    pass
            return r
        if b is None:
            raise NullError("Null operand for right-hand side of '-'")
        raise JactlRuntimeError(f"Cannot subtract {class_name(b)} from Map")
    return _arith(a, b, "-", _ranks(a, b, "-"), _SUB)


def mul(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        r = a * b
        if _MIN32 <= r <= _MAX32:
            return r
        return ((r + 0x80000000) & 0xffffffff) - 0x80000000
    if (ta is Long or ta is int) and (type(b) is Long or type(b) is int):   # a long involved
        r = a * b
        return Long(r if _MIN64 <= r <= _MAX64 else wrap64(r))
    if (ta is float and (type(b) is float or type(b) is int)) or (ta is int and type(b) is float):
        return a * b        # double arithmetic (an int converts exactly; overflow is inf)
    if ta is str:
        if b is None:
            raise NullError("Null operand for right-hand side of '*'")
        rb = _RANK.get(type(b))
        if rb is None:
            _right_err(b, "*")
        if rb == _R_DECIMAL:
            n = dec_count(b)
        elif rb == _R_DOUBLE:     # Java's (int) of a double: NaN is 0, saturating
            n = int(b) if math.isfinite(b) else (0 if b != b else (0x7fffffff if b > 0 else -1))
        else:
            n = int(b)
        if n < 0:
            raise JactlRuntimeError("String repeat count must be >= 0")
        size = len(a) * n
        if size > BYTES_MIN:
            check_chars(size)
            charge_chars(size)
        return a * n
    return _arith(a, b, "*", _ranks(a, b, "*"), _MUL)


def _arith(a, b, sym, r, ops):
    if r == _R_INT:
        x = ops[0](int(a), int(b))
        if _MIN32 <= x <= _MAX32:
            return x
        return ((x + 0x80000000) & 0xffffffff) - 0x80000000
    if r == _R_LONG:
        return Long(wrap64(ops[0](int(a), int(b))))
    if r == _R_DOUBLE:
        return ops[1](float(a), float(b))
    if r == _R_DECIMAL:
        return _fix_dec_zero(ops[0](_dec(a), _dec(b)))
    return Byte(ops[0](int(a), int(b)) & 0xff)


def _f_add(x, y):
    return x + y


def _f_sub(x, y):
    return x - y


def _f_mul(x, y):
    return x * y


def _fl_add(x, y):
    return x + y


def _fl_sub(x, y):
    return x - y


def _fl_mul(x, y):
    try:
        return x * y
    except OverflowError:  # pragma: no cover - floats overflow to inf already
        return math.inf


_ADD = (_f_add, _fl_add)
_SUB = (_f_sub, _fl_sub)
_MUL = (_f_mul, _fl_mul)


# ---------------------------------------------------------------------------------------
# / % %%

def _idiv(a, b):
    """Java integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _irem(a, b):
    """Java remainder (sign of the dividend)."""
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def _fdiv(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return math.nan
        neg = (a < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if neg else math.inf


def _frem(a, b):
    if b == 0 or a != a or b != b or a in (math.inf, -math.inf):
        return math.nan
    if b in (math.inf, -math.inf):
        return a
    return math.fmod(a, b)


def _digits(d):
    """BigDecimal.precision(): the number of digits in the unscaled value."""
    t = d.as_tuple()
    n = len(t.digits)
    return n if n else 1


_DIV_CONTEXTS = {}


def _div_ctx(prec):
    c = _DIV_CONTEXTS.get(prec)
    if c is None:
        c = decimal.Context(prec=prec, rounding=decimal.ROUND_HALF_UP, Emax=decimal.MAX_EMAX,
                            Emin=decimal.MIN_EMIN, traps=[decimal.InvalidOperation,
                                                          decimal.DivisionByZero,
                                                          decimal.Overflow])
        _DIV_CONTEXTS[prec] = c
    return c


_BIG_CTX = decimal.Context(prec=100000, rounding=decimal.ROUND_HALF_UP,
                           Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                           traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                  decimal.Overflow])

MIN_SCALE = 10


def decimal_divide(a, b):
    """Jactl's Decimal division: the exact quotient when it terminates (BigDecimal.divide),
    else precision max(p(a), p(b)) + 10, HALF_UP to scale max(scale(a), scale(b), 10), trailing
    zeros stripped."""
    if not b:
        raise JactlRuntimeError("Divide by zero error")
    ta = a.as_tuple()
    tb = b.as_tuple()
    ia = int("".join(map(str, ta.digits)) or "0")
    ib = int("".join(map(str, tb.digits)) or "0")
    neg = ta.sign != tb.sign
    ea, eb = ta.exponent, tb.exponent
    pa = len(ta.digits) or 1
    pb = len(tb.digits) or 1
    if ia == 0:
        pref = ea - eb
        return Decimal((0, (0,), pref))
    g = math.gcd(ia, ib)
    n, d = ia // g, ib // g
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d == 1:
        k = max(twos, fives)
        N = n * (10 ** k // (ib // g))
        exp = ea - eb - k
        pref = ea - eb
        while exp < pref and N % 10 == 0:
            N //= 10
            exp += 1
        # BigDecimal.divide gives up (non-terminating) beyond this precision
        limit = pa + math.ceil(10 * pb / 3)
        if len(str(N)) <= limit:
            return check_decimal(Decimal((1 if neg else 0, tuple(map(int, str(N))), exp)))
    prec = max(pa, pb) + MIN_SCALE
    q = _div_ctx(prec).divide(a, b)
    scale = max(-ea, -eb, MIN_SCALE)
    q = q.quantize(Decimal((0, (1,), -scale)), rounding=decimal.ROUND_HALF_UP, context=_BIG_CTX)
    if not q:
        return Decimal(0)
    return check_decimal(q.normalize(_BIG_CTX))


def div(a, b):
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        if b == 0:
            raise JactlRuntimeError("Divide by zero")
        if a >= 0 and b > 0:
            return a // b
        q = _idiv(a, b)
        if q > _MAX32:
            return wrap32(q)
        return q
    r = _ranks(a, b, "/")
    if r == _R_DOUBLE:
        return _fdiv(float(a), float(b))
    if r == _R_DECIMAL:
        return _fix_dec_zero(decimal_divide(_dec(a), _dec(b)))
    ia, ib = int(a), int(b)
    if ib == 0:
        raise JactlRuntimeError("Divide by zero")
    q = _idiv(ia, ib)
    if r == _R_INT:
        return wrap32(q)
    if r == _R_LONG:
        return Long(wrap64(q))
    return Byte(q & 0xff)


def rem(a, b):
    """``%%``: Java's remainder (sign of the dividend)."""
    ta = type(a)
    if ta is int and type(b) is int:
        if b == 0:
            raise JactlRuntimeError("Divide by zero")
        if a >= 0 and b > 0:
            return a % b
        return _irem(a, b)
    r = _ranks(a, b, "%%")
    if r == _R_DOUBLE:
        return _frem(float(a), float(b))
    if r == _R_DECIMAL:
        da, db = _dec(a), _dec(b)
        if not db:
            raise JactlRuntimeError("Divide by zero")
        return _fix_dec_zero(_BIG_CTX.remainder(da, db))
    ia, ib = int(a), int(b)
    if ib == 0:
        raise JactlRuntimeError("Divide by zero")
    x = _irem(ia, ib)
    if r == _R_INT:
        return x
    if r == _R_LONG:
        return Long(x)
    return Byte(x & 0xff)


def mod(a, b):
    """``%``: modulo, ``((a %% b) + b) %% b`` (the sign of the divisor)."""
    ta = type(a)
    if ta is int and type(b) is int:
        if b > 0:
            if a >= 0:
                return a % b
            x = _irem(a, b) + b
            return x % b
        if b == 0:
            raise JactlRuntimeError("Divide by zero")
        x = wrap32(_irem(a, b) + b)
        return _irem(x, b)
    if (ta is Long or ta is int) and type(b) in (Long, int) and b > 0:   # a long involved
        return Long(a % b)
    r = _ranks(a, b, "%")
    if r == _R_DOUBLE:
        fa, fb = float(a), float(b)
        return _frem(_frem(fa, fb) + fb, fb)
    if r == _R_DECIMAL:
        da, db = _dec(a), _dec(b)
        if not db:
            raise JactlRuntimeError("Divide by zero")
        x = _BIG_CTX.remainder(da, db)
        return _fix_dec_zero(_BIG_CTX.remainder(x + db, db))
    ia, ib = int(a), int(b)
    if ib == 0:
        raise JactlRuntimeError("Divide by zero")
    if r == _R_INT:
        return _irem(wrap32(_irem(ia, ib) + ib), ib)
    if r == _R_LONG:
        return Long(_irem(wrap64(_irem(ia, ib) + ib), ib))
    return Byte(_irem(_irem(ia, ib) + ib, ib) & 0xff)


# ---------------------------------------------------------------------------------------
# unary

def neg(a):
    t = type(a)
    if t is int:
        return -a if a != _MIN32 else a
    if t is float:
        return -a
    if t is Decimal:
        return a.copy_negate() if a else a.copy_abs()
    if t is Long:
        return Long(wrap64(-int(a)))
    if t is Byte:
        return Byte((-int(a)) & 0xff)
    if a is None:
        raise NullError("Null operand for unary '-'")
    r = _rank_slow(a)
    if r is not None:
        return neg(_norm_num(a, r))
    raise JactlRuntimeError(f"Operator '-' cannot be applied to type {class_name(a)}")


def pos(a):
    if type(a) in NUMERIC_TYPES:
        return a
    if a is None:
        raise NullError("Null operand for unary '+'")
    r = _rank_slow(a)
    if r is not None:
        return _norm_num(a, r)
    raise JactlRuntimeError(f"Operator '+' cannot be applied to type {class_name(a)}")


def _norm_num(a, r):
    if r == _R_INT:
        return int(a)
    if r == _R_LONG:
        return Long(a)
    if r == _R_BYTE:
        return Byte(a)
    if r == _R_DOUBLE:
        return float(a)
    return Decimal(a)


def incr(v):
    """The value of ``v + 1`` keeping v's numeric type (for ++)."""
    t = type(v)
    if t is int:
        return v + 1 if v != _MAX32 else _MIN32
    if t is Long:
        return Long(wrap64(int(v) + 1))
    if t is Byte:
        return Byte((int(v) + 1) & 0xff)
    if t is float:
        return v + 1.0
    if t is Decimal:
        return v + 1
    if v is None:
        raise NullError("Null value encountered for operand of '++'")
    r = _rank_slow(v)
    if r is not None:
        return incr(_norm_num(v, r))
    cn = class_name(v)
    raise JactlRuntimeError(f"Non-numeric operand for left-hand side of '++': was {cn} "
                            f"(operator '++' cannot be applied to type {cn})")


def decr(v):
    """The value of ``v - 1`` keeping v's numeric type (for --)."""
    t = type(v)
    if t is int:
        return v - 1 if v != _MIN32 else _MAX32
    if t is Long:
        return Long(wrap64(int(v) - 1))
    if t is Byte:
        return Byte((int(v) - 1) & 0xff)
    if t is float:
        return v - 1.0
    if t is Decimal:
        return _fix_dec_zero(v - 1)
    if v is None:
        raise NullError("Null value encountered for operand of '--'")
    r = _rank_slow(v)
    if r is not None:
        return decr(_norm_num(v, r))
    cn = class_name(v)
    raise JactlRuntimeError(f"Non-numeric operand for left-hand side of '--': was {cn} "
                            f"(operator '--' cannot be applied to type {cn})")


# ---------------------------------------------------------------------------------------
# bitwise

_INT_RANK = {Byte: _R_BYTE, int: _R_INT, Long: _R_LONG}


def _bit_ranks(a, b, sym):
    ra = _INT_RANK.get(type(a))
    if ra is None:
        if a is None:
            raise NullError(f"Null operand for left-hand side of '{sym}'")
        raise JactlRuntimeError(
            f"Left-hand side of '{sym}' must be int, byte, or long (not {class_name(a)})")
    rb = _INT_RANK.get(type(b))
    if rb is None:
        if b is None:
            raise NullError(f"Null operand for right-hand side of '{sym}'")
        raise JactlRuntimeError(
            f"Right-hand side of '{sym}' must be int, byte, or long (not {class_name(b)})")
    return ra if ra > rb else rb


def _bit_result(x, r):
    if r == _R_INT:
        return wrap32(x)
    if r == _R_LONG:
        return Long(wrap64(x))
    return Byte(x & 0xff)


def bit_and(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        return a & b
    if ta is bool and type(b) is bool:
        return a and b
    r = _bit_ranks(a, b, "&")
    return _bit_result(int(a) & int(b), r)


def bit_or(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        return a | b
    if ta is bool and type(b) is bool:
        return a or b
    r = _bit_ranks(a, b, "|")
    return _bit_result(int(a) | int(b), r)


def bit_xor(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        return a ^ b
    if ta is bool and type(b) is bool:
        return a != b
    r = _bit_ranks(a, b, "^")
    return _bit_result(int(a) ^ int(b), r)


def bit_not(a):
    t = type(a)
    if t is int:
        return ~a
    if t is Long:
        return Long(~int(a))
    if t is Byte:
        return Byte(~int(a) & 0xff)
    if a is None:
        raise NullError("Null operand for '~'")
    raise JactlRuntimeError(f"Operand for '~' must be int, byte, or long (not {class_name(a)})")


def _shift_count(b, sym):
    tb = type(b)
    if tb is int or tb is Long or tb is Byte:
        return int(b)
    if b is None:
        raise NullError(f"Null operand for right-hand side of '{sym}'")
    raise JactlRuntimeError(
        f"Right-hand side of '{sym}' must be int, byte, or long (not {class_name(b)})")


def _shift_left_type(a, sym):
    t = type(a)
    if t is int or t is Long or t is Byte:
        return t
    if a is None:
        raise NullError(f"Null operand for left-hand side of '{sym}'")
    raise JactlRuntimeError(
        f"Left-hand side of '{sym}' must be int, byte, or long (not {class_name(a)})")


def shl(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        x = a << (b & 31)
        if _MIN32 <= x <= _MAX32:
            return x
        return ((x + 0x80000000) & 0xffffffff) - 0x80000000
    if ta is list or ta is JArray or ta is ReadOnlyList:
        r = list(a)
        r.append(b)
        return r
    ta = _shift_left_type(a, "<<")
    n = _shift_count(b, "<<")
    if ta is int:
        return wrap32(a << (n & 31))
    if ta is Long:
        return Long(wrap64(int(a) << (n & 63)))
    return Byte((int(a) << (n & 7)) & 0xff)


def shr(a, b):
    ta = type(a)
    if ta is int and type(b) is int:
        return a >> (b & 31)
    ta = _shift_left_type(a, ">>")
    n = _shift_count(b, ">>")
    if ta is int:
        return a >> (n & 31)
    if ta is Long:
        return Long(int(a) >> (n & 63))
    return Byte(int(a) >> (n & 7))


def ushr(a, b):
    ta = _shift_left_type(a, ">>>")
    n = _shift_count(b, ">>>")
    if ta is int:
        return wrap32((a & 0xffffffff) >> (n & 31))
    if ta is Long:
        return Long(wrap64((int(a) & 0xffffffffffffffff) >> (n & 63)))
    return Byte(int(a) >> (n & 7))


# ---------------------------------------------------------------------------------------
# in-place assignment operators

def add_assign(a, b):
    """``a += b``: lists and maps are mutated in place (and returned)."""
    ta = type(a)
    if ta is list or ta is ReadOnlyList:      # (a ReadOnlyList refuses the change)
        tb = type(b)
        if tb is list or tb is JArray or tb is ReadOnlyList:
            n = len(b)
            if n:
                check_slots(len(a) + n)
                charge(n)
            a.extend(b)
        else:
            a.append(b)
        return a
    if ta is dict and type(b) is dict:
        a.update(b)
        return a
    return add(a, b)


def shl_assign(a, b):
    """``a <<= b``: appends to a list in place."""
    if type(a) is list or type(a) is ReadOnlyList:
        a.append(b)
        return a
    return shl(a, b)


def append_in_place(a, b):
    a.append(b)
    return a


def sub_assign(a, b):
    """``a -= b``: removes keys from a map in place."""
    if type(a) is dict:
        tb = type(b)
        if tb is dict or tb is list or tb is JArray:
            for k in b:
                try:
                    a.pop(k, None)
                except TypeError:
                    pass
            return a
    return sub(a, b)


# ---------------------------------------------------------------------------------------
# equality

_SIMPLE_EQ = frozenset((int, str, bool, Long, Byte, type(None)))


def eq(a, b):
    """``==``: value equality across numeric types, element-wise for lists and maps."""
    ta = type(a)
    if ta is type(b) and ta in _SIMPLE_EQ:
        return a == b
    return _eq_slow(a, b)


def ne(a, b):
    return not eq(a, b)


def _eq_slow(a, b):
    if a is b:
        return a == a if type(a) is float else True
    if a is None or b is None:
        return False
    ta = type(a)
    tb = type(b)
    ra = _RANK.get(ta)
    rb = _RANK.get(tb)
    if ra is not None or rb is not None:
        if ra is None or rb is None:
            return False
        if ra == _R_DECIMAL and rb == _R_DOUBLE:
            return _dec_eq_double(a, b)
        if rb == _R_DECIMAL and ra == _R_DOUBLE:
            return _dec_eq_double(b, a)
        return a == b
    if ta is bool or tb is bool or ta is str or tb is str:
        return False
    # an instance of a Jactl class equals a Map (or instance) with the same fields
    if getattr(a, "_jactl_obj", False):
        a = a._f
    if getattr(b, "_jactl_obj", False):
        b = b._f
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if not eq(x, y):
                return False
        return True
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        for k, x in a.items():
            try:
                if k not in b:
                    return False
            except TypeError:
                return False
            if not eq(x, b[k]):
                return False
        return True
    if isinstance(b, (list, dict)):
        return False
    return a == b


def _dec_eq_double(d, f):
    if f != f or f in (math.inf, -math.inf):
        return False
    return d == to_decimal(f)


def identical(a, b):
    """``===``: identity for objects; numbers compare by value, strings/booleans by value."""
    if a is b:
        return True
    ta = type(a)
    tb = type(b)
    if ta in _RANK and tb in _RANK:
        return eq(a, b)
    if ta is tb and (ta is str or ta is bool):
        return a == b
    return False


def not_identical(a, b):
    return not identical(a, b)


# ---------------------------------------------------------------------------------------
# ordering

def compare_strings(a, b):
    if a == b:
        return 0
    if a.isascii() and b.isascii():
        return -1 if a < b else 1
    ea = a.encode("utf-16-be", "surrogatepass")
    eb = b.encode("utf-16-be", "surrogatepass")
    return -1 if ea < eb else 1


def _cmp_err(a, b):
    raise JactlRuntimeError(
        f"Cannot compare objects of type {class_name(a)} and {class_name(b)}")


def compare(a, b):
    """``<=>`` and the natural sort order: null first, numbers by value, Strings by UTF-16
    code unit, booleans false < true, lists element by element."""
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        return -1 if a < b else (1 if a > b else 0)
    if ta is str and tb is str:
        return compare_strings(a, b)
    if a is None:
        return 0 if b is None else -1
    if b is None:
        return 1
    ra = _RANK.get(ta)
    rb = _RANK.get(tb)
    if ra is not None and rb is not None:
        if (ra == _R_DECIMAL and rb == _R_DOUBLE) or (rb == _R_DECIMAL and ra == _R_DOUBLE):
            a, b = _cmp_dec_double(a, b)
        if a != a or b != b:  # NaN sorts last, like Double.compare
            if a != a and b != b:
                return 0
            return 1 if a != a else -1
        return -1 if a < b else (1 if a > b else 0)
    if ta is bool and tb is bool:
        return (a > b) - (a < b)
    if isinstance(a, list) and isinstance(b, list):
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        la, lb = len(a), len(b)
        return -1 if la < lb else (1 if la > lb else 0)
    if isinstance(a, str) and isinstance(b, str):
        return compare_strings(a, b)
    _cmp_err(a, b)


def _cmp_dec_double(a, b):
    if type(a) is float:
        if a != a or a in (math.inf, -math.inf):
            return a, float(b)
        return to_decimal(a), b
    if b != b or b in (math.inf, -math.inf):
        return float(a), b
    return a, to_decimal(b)


def lt(a, b):
    if type(a) is int and type(b) is int:
        return a < b
    return _rel(a, b) < 0


def le(a, b):
    if type(a) is int and type(b) is int:
        return a <= b
    return _rel(a, b) <= 0


def gt(a, b):
    if type(a) is int and type(b) is int:
        return a > b
    return _rel(a, b) > 0


def ge(a, b):
    if type(a) is int and type(b) is int:
        return a >= b
    return _rel(a, b) >= 0


def _rel(a, b):
    """compare() for the relational operators: any comparison with NaN is false."""
    if (type(a) is float and a != a) or (type(b) is float and b != b):
        return _NAN_RESULT
    try:
        return compare(a, b)
    except JactlRuntimeError as e:
        if e.raw_message.startswith("Cannot compare objects"):
            raise JactlRuntimeError(
                f"{e.raw_message} (type {class_name(b)} cannot be compared to "
                f"{class_name(a)})") from None
        raise


class _NanResult:
    """A comparison result for which <, <=, >, >= are all false."""
    __slots__ = ()

    def __lt__(self, o):
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __ne__(self, o):
        return False

    def __eq__(self, o):
        return False

    def __hash__(self):
        return 0


_NAN_RESULT = _NanResult()


# ---------------------------------------------------------------------------------------
# in

def in_(item, container, op="in"):
    """``item in container``: list membership (==), map key, substring."""
    tc = type(container)
    if tc is list or tc is JArray:
        ti = type(item)
        if ti in _SIMPLE_EQ:
            for x in container:
                if type(x) is ti and x == item:
                    return True
                if type(x) is not ti and _eq_slow(item, x):
                    return True
            return False
        for x in container:
            if eq(item, x):
                return True
        return False
    if tc is dict:
        try:
            return item in container
        except TypeError:
            from .values import hkey
            return hkey(item) in container
    if tc is str:
        if type(item) is str:
            return item in container
        raise JactlRuntimeError(
            f"Expecting String for left-hand side of '{op}' when right-hand side is String "
            f"(was {class_name(item)})")
    if container is None:
        return False
    if isinstance(container, (list, dict, str)):
        return in_(item, list(container) if isinstance(container, list) else
                   (dict(container) if isinstance(container, dict) else str(container)), op)
    cn = class_name(container)
    raise JactlRuntimeError(
        f"Expecting String/List/Map for right-hand side of '{op}' but got {cn} "
        f"({cn} is not a valid type for right-hand side of '{op}')")


def not_in(item, container):
    return not in_(item, container, "!in")


BINARY_OPS = {
    "+": add, "-": sub, "*": mul, "/": div, "%": mod, "%%": rem, "&": bit_and, "|": bit_or,
    "^": bit_xor, "<<": shl, ">>": shr, ">>>": ushr, "==": eq, "!=": ne, "===": identical,
    "!==": not_identical, "<": lt, "<=": le, ">": gt, ">=": ge, "<=>": compare, "in": in_,
    "!in": not_in,
}
