"""Regex match (``=~``), global iteration (``/.../g`` in loop conditions) and substitution
(``s/pat/repl/flags``), with Java's pattern syntax translated to Python's (``regex``
package, VERSION0). Every match runs with a timeout: the Context's ``max_regex_ms``, or
what is left of its time limit when that is less.

A match leaves its capture groups as a plain list (``$0``, ``$1``, ...) in a local of the
calling function, and a global match keeps its position in a ``[string, pos]`` list: both
are ordinary values, so a script suspended between two matches checkpoints them like any
other local.
"""

import builtins
import re


from ..errors import JactlRuntimeError, NullError
from .types import Decimal, Long
from .values import class_name, to_string
from .limits import check_decimal
from .strings import compile_regex, java_regex_to_python, regex_timed_out, regex_timeout
from .regex_linear import SEPARATORS, UNANCHORED_MAX, linear
from .limits import BYTES_MIN, charge_chars, check_chars

_FLAG_BITS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


def _compile(pattern, flags):
    if pattern is None:
        raise NullError("Null regex pattern")
    if not isinstance(pattern, str):
        pattern = _as_str(pattern, "regex")
    bits = 0
    for c in flags:
        b = _FLAG_BITS.get(c)
        if b is not None:
            bits |= b
        elif c not in "gnr":
            raise JactlRuntimeError(f"Unexpected regex modifier '{c}'")
    try:
        return compile_regex(pattern, bits)
    except JactlRuntimeError:
        raise
    except re.error as e:
        raise JactlRuntimeError(f"Error in regex: {e}") from None


def _as_str(v, what):
    if v is None:
        raise NullError(f"Null value for {what}")
    if isinstance(v, str):
        return v
    raise JactlRuntimeError(f"Cannot convert {class_name(v)} to String for regex {what}")


def _groups(m, flags):
    gs = [m.group(0), *m.groups()]
    if flags and "n" in flags:
        gs = [_numeric(g) for g in gs]
    return gs


def _numeric(g):
    if g is None:
        return None
    if re.fullmatch(r"[+-]?\d+", g):
        digits = g.lstrip("+-").lstrip("0")
        if len(digits) <= 19:
            v = int(digits or "0")
            v = -v if g[0] == "-" else v
            if -(1 << 63) <= v < (1 << 63):
                return Long(v)
        return g        # (Jactl: an integer beyond long stays a String; only x.y is Decimal)
    if re.fullmatch(r"[+-]?\d*\.\d+|[+-]?\d+\.\d*", g):
        return check_decimal(Decimal(g))
    return g


_LINEAR = {}     # (pattern, flags) -> (re pattern, anchored) or False: regex_linear.linear


def _untimed(pattern, flags, s):
    """The ``re`` pattern that may search s without a timeout (regex_linear.py: a pattern
    proved to backtrack at most linearly, an ASCII subject, and one no longer than
    UNANCHORED_MAX unless the pattern is anchored at its start), or None."""
    key = (pattern, flags)
    e = _LINEAR.get(key)
    if e is None:
        e = False
        if type(pattern) is str and type(flags) is str:
            bits = _compile(pattern, flags).flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL)
            e = linear(java_regex_to_python(pattern), bits) or False
        if len(_LINEAR) > 2000:
            _LINEAR.clear()
        _LINEAR[key] = e
    if e is not False and s.isascii() and (e[1] or len(s) <= UNANCHORED_MAX) and \
            not (e[2] and SEPARATORS.search(s)):
        return e[0]
    return None


def find(s, pattern, flags=""):
    """``s =~ pattern``: the capture groups of the first match anywhere in s, or None
    (a null string matches nothing, as in Jactl)."""
    if type(s) is not str:
        if s is None:
            return None
        s = _as_str(s, "match")
    fast = _untimed(pattern, flags, s)
    if fast is not None:
        m = fast.search(s)
        return _groups(m, flags) if m is not None else None
    rx = _compile(pattern, flags)
    try:
        m = rx.search(s, timeout=regex_timeout())
    except builtins.TimeoutError:
        raise regex_timed_out() from None
    return _groups(m, flags) if m is not None else None


def next_match(state, s, pattern, flags):
    """``s =~ /p/g`` in a loop condition: the next match after the previous one in the same
    string (state = [string, position]); None, and the state reset, when there is none."""
    s = _as_str(s, "match")
    if state[0] is not s and state[0] != s:
        state[0], state[1] = s, 0
    pos = state[1]
    if pos > len(s):
        state[0], state[1] = None, 0
        return None
    fast = _untimed(pattern, flags, s)
    if fast is not None:
        m = fast.search(s, pos)
    else:
        rx = _compile(pattern, flags)
        try:
            m = rx.search(s, pos, timeout=regex_timeout())
        except builtins.TimeoutError:
            raise regex_timed_out() from None
    if m is None:
        state[0], state[1] = None, 0
        return None
    end = m.end()
    state[1] = end + 1 if end == m.start() else end
    return _groups(m, flags)


def substitute(s, pattern, flags, replacement):
    """``s =~ s/p/r/flags``: replacement(groups) gives each replacement text (it may use
    ``$1``...); the first match, or all with ``g``."""
    s = _as_str(s, "substitution")
    rx = _compile(pattern, flags)

    size = [len(s)]

    def repl(m):
        r = to_string(replacement(_groups(m, flags)))
        # the result grows by every replacement: measure it as it grows, not at the end
        size[0] += len(r)
        if size[0] > BYTES_MIN:
            check_chars(size[0])
        return r
    charge_chars(len(s))
    try:
        r = rx.sub(repl, s, count=0 if "g" in flags else 1, timeout=regex_timeout())
    except builtins.TimeoutError:
        raise regex_timed_out() from None
    charge_chars(len(r))
    return r


def matches(s, pattern, flags):
    """The matches a substitution replaces, for a replacement that runs statements (it may
    suspend, so generated code loops over them itself): ``[start, end, groups]`` each, plain
    values a checkpoint holds like any list."""
    s = _as_str(s, "substitution")
    rx = _compile(pattern, flags)
    charge_chars(len(s))
    out = []
    try:
        for m in rx.finditer(s, timeout=regex_timeout()):
            out.append([m.start(), m.end(), _groups(m, flags)])
            if "g" not in flags:
                break
    except builtins.TimeoutError:
        raise regex_timed_out() from None
    return out


def replacement_text(v, parts):
    """One replacement's text, added to the texts so far (measured as the result grows)."""
    r = to_string(v)
    parts.append(r)
    n = sum(len(p) for p in parts)
    if n > BYTES_MIN:
        check_chars(n)


def join_replaced(s, found, parts):
    """The substituted string: s with each match in found replaced by its text in parts."""
    out = []
    pos = 0
    for (start, end, _), text in zip(found, parts):
        out.append(s[pos:start])
        out.append(text)
        pos = end
    out.append(s[pos:])
    r = "".join(out)
    charge_chars(len(r))
    return r


def capture(groups, n):
    """``$n`` after a match: null when there was no match or no such group."""
    if groups is None or n >= len(groups):
        return None
    return groups[n]
