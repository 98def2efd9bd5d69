"""Which regexes may run on Python's ``re`` without a timeout.

Every regex operation runs on the ``regex`` package with a timeout, so a pattern that
backtracks catastrophically is stopped (runtime/strings.py ``compile_regex``). The timeout
reads the clock around each call, which for the usual short log-line match costs as much as
the match itself. Here a pattern is proved to backtrack at most linearly: then a match on
an ASCII subject runs on ``re`` (same syntax, same results for ASCII text: ``\\w``, ``\\d`` and case
folding agree with ``regex`` there, and ``\\s`` too without the separators 0x1C-0x1F)
with no timeout.

The proof, on ``re``'s own parse of the translated pattern: every quantifier with a choice
(``x*``, ``x+``, ``x{1,3}``, lazy or greedy) repeats a single character class Q and is
followed by something that must start with a character outside Q (or by the end of the
pattern). Giving back a character of Q then fails at once at that guard, so each
quantifier has one viable length and the matcher's work from one start position is linear
in the subject; alternation multiplies it by a constant of the pattern. Groups are
followed into; repeated groups, back references, lookarounds, atomic/possessive parts and
scoped inline flags ``(?i:...)`` are not proved (the timed path). A pattern anchored at the start of the
subject is tried at one position; any other is tried at every position (quadratic in
total), so it takes this path only for subjects of at most ``UNANCHORED_MAX`` characters.
"""

import re
import re._constants as C
import re._parser as P

UNANCHORED_MAX = 1000

_ACCEPT = "accept"          # the end of the pattern: the match succeeds, nothing after
_ALL = (1 << 128) - 1
_NL = 1 << 10
_SINGLE = (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN)
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)
_CATEGORIES = {
    C.CATEGORY_DIGIT: lambda c: c.isdigit(),
    C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    C.CATEGORY_SPACE: lambda c: c.isspace(),
    C.CATEGORY_LINEBREAK: lambda c: c == "\n",
}
_NOT_CATEGORIES = {
    C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT, C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
    C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE, C.CATEGORY_NOT_LINEBREAK: C.CATEGORY_LINEBREAK,
}
# the only '{' the proof accepts in the source is a counted quantifier's (``regex`` reads
# some other brace forms, fuzzy matching, that ``re`` takes as literal text)
_BRACES = re.compile(r"\\.|\{\d+(?:,\d*)?\}|[{}]", re.S)


class _Unproved(Exception):
    pass


class _Facts:
    """What the proof met on the way: whether the pattern uses ``\\s``/``\\S``, where
    ``re`` (str.isspace) and ``regex`` (Unicode White_Space) disagree on the ASCII
    separators 0x1C-0x1F."""
    space = False


def _mask_of(pred):
    m = 0
    for i in range(128):
        if pred(chr(i)):
            m |= 1 << i
    return m


_CAT_MASK = {k: _mask_of(f) for k, f in _CATEGORIES.items()}
_CAT_MASK.update({k: _ALL & ~_CAT_MASK[v] for k, v in _NOT_CATEGORIES.items()})


def _cased(m):
    """m with both cases of its letters (IGNORECASE): a superset is always safe."""
    for i in range(65, 91):
        if m & (1 << i) or m & (1 << (i + 32)):
            m |= (1 << i) | (1 << (i + 32))
    return m


def _char(code, flags):
    if code < 128:
        return 1 << code
    if flags & re.IGNORECASE:
        raise _Unproved()   # (a few non-ASCII letters fold to ASCII ones: K for k)
    return 0


def _single_mask(op, av, flags):
    """The ASCII characters one single-character item can match (a superset)."""
    if op == C.LITERAL:
        m = _char(av, flags)
    elif op == C.NOT_LITERAL:
        m = _ALL & ~_char(av, flags)
    elif op == C.ANY:
        m = _ALL if flags & re.DOTALL else _ALL & ~_NL
    else:       # IN
        m, neg = 0, False
        for iop, iav in av:
            if iop == C.NEGATE:
                neg = True
            elif iop == C.LITERAL:
                m |= _char(iav, flags)
            elif iop == C.RANGE:
                lo, hi = iav
                if hi > 127 and flags & re.IGNORECASE:
                    raise _Unproved()
                for c in range(lo, min(hi, 127) + 1):
                    m |= 1 << c
            elif iop == C.CATEGORY and iav in _CAT_MASK:
                if iav in (C.CATEGORY_SPACE, C.CATEGORY_NOT_SPACE):
                    _Facts.space = True
                m |= _CAT_MASK[iav]
            else:
                raise _Unproved()
        if flags & re.IGNORECASE:
            m = _cased(m)
        return _ALL & ~m if neg else m
    return _cased(m) if flags & re.IGNORECASE else m


def _seq(items, nxt, flags):
    """Prove items followed by nxt (a mask, _ACCEPT or None: unknown/may be empty); the
    first-character information of items + nxt."""
    for op, av in reversed(items):
        nxt = _item(op, av, nxt, flags)
    return nxt


def _union(a, b):
    if a is None or b is None or a is _ACCEPT or b is _ACCEPT:
        return None
    return a | b


def _item(op, av, nxt, flags):
    if op in _SINGLE:
        return _single_mask(op, av, flags)
    if op == C.AT:
        if av in (C.AT_END, C.AT_END_STRING):
            return _NL      # (``$`` also matches before a final newline)
        return nxt          # other zero-width tests: what follows is still the guard
    if op == C.SUBPATTERN:
        _group, add, rem, p = av
        if add or rem:
            raise _Unproved()
        return _seq(p.data, nxt, flags)
    if op == C.BRANCH:
        first = 0
        for alt in av[1]:
            first = _union(first, _seq(alt.data, nxt, flags))
        return first
    if op in _REPEATS:
        lo, hi, sub = av
        if len(sub.data) != 1 or sub.data[0][0] not in _SINGLE:
            raise _Unproved()
        q = _single_mask(*sub.data[0], flags)
        if lo != hi and not (nxt is _ACCEPT or (nxt is not None and not nxt & q)):
            raise _Unproved()
        if lo > 0:
            return q
        return _union(q, nxt)
    raise _Unproved()


# subjects holding these characters keep ``regex`` when the pattern uses \s or \S
SEPARATORS = re.compile("[\x1c-\x1f]")


def linear(py_pattern, flags):
    """(compiled ``re`` pattern, anchored at the subject's start, uses ``\\s``/``\\S``)
    when py_pattern (already translated from Java's syntax) provably backtracks at most
    linearly; None otherwise."""
    if "[:" in py_pattern:      # (``regex`` reads POSIX classes, ``re`` literal text)
        return None
    if "{" in py_pattern or "}" in py_pattern:
        if any(t in ("{", "}") for t in _BRACES.findall(py_pattern)):
            return None
    _Facts.space = False
    try:
        parsed = P.parse(py_pattern, flags)
        flags |= parsed.state.flags     # (and inline ``(?i)`` at the start)
        _seq(parsed.data, _ACCEPT, flags)
        compiled = re.compile(py_pattern, flags)
    except (_Unproved, re.error, RecursionError, OverflowError):
        return None
    data = parsed.data
    anchored = bool(data) and data[0][0] == C.AT and (
        data[0][1] == C.AT_BEGINNING_STRING or
        (data[0][1] == C.AT_BEGINNING and not flags & re.MULTILINE))
    return compiled, anchored, _Facts.space
