"""One budget per script instance: time, work units, call depth and value sizes.

Why it is shaped like this:

* **Work units.** Generated code (only when the Context sets a time or iteration limit)
  decrements a countdown, the module global ``_BC`` of the script instance's namespace, at
  every loop back-edge and every function entry. When it reaches 0 the instance reports the
  chunk to its ``Budget`` (``Instance.check_limits``), which checks both limits and hands out
  the next chunk. One decrement and one compare per unit is all the fast path pays; a
  Context without limits compiles no countdown at all. Builtins that do work proportional to
  their input inside one call (``sum``, ``sort``, ``join``, ``'x' * n``, JSON, ...) report
  it with ``charge(n)``, which sums small amounts and reports them in lumps.
* **Shared.** ``eval()`` runs a nested instance with the same Budget, so it neither gets a
  fresh allowance nor hides a limit error. The counters that must survive a checkpoint
  (``loops``, ``run_ms``) live in the root instance's state dict.
* **Value sizes.** A single builtin or operator can allocate gigabytes in one C call, where
  no countdown can interrupt it. Every such site estimates the size of its result first and
  calls ``check_bytes``; sizes up to ``BYTES_MIN`` are never looked up, so small values pay
  one comparison.
* **Decimals** are bounded in digits and exponent (``check_decimal`` for parsed text; the
  arithmetic context traps beyond the exponent bound): converting a million-digit or
  ``1E+1000000`` value to an int or a plain string would otherwise run for seconds in one
  C call.

The running instance's Budget is found through a thread-local (set by ``Instance.drive``),
like the current classes, so concurrent hosts in threads never share one.
"""

import threading
import time

from ..errors import LimitError, TimeoutError

CHUNK = 1024              # work units between two checks of the countdown
CHARGE_MIN = 1024         # builtin work below this is not reported
BYTES_MIN = 4096          # values below this many bytes are never measured
LIST_SLOT_BYTES = 32      # size estimate of one List/array element (slot + small object)
MAP_ENTRY_BYTES = 64      # size estimate of one Map entry
CHARS_PER_UNIT = 64       # characters copied by C per work unit

DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_REGEX_MS = 5000

MAX_DECIMAL_DIGITS = 2000       # the arithmetic context's precision (types.DECIMAL_CONTEXT)
MAX_DECIMAL_EXPONENT = 10000    # |adjusted exponent|: 1E+10000 prints as 10 KB

_TLS = threading.local()


class Budget:
    """What one script instance (and every ``eval`` nested in it) may use, and has used.

    ``state`` is the root instance's state dict: ``loops`` (work units) and ``run_ms``
    (running time before the current drive) travel with its checkpoints."""

    __slots__ = ("state", "max_units", "max_ms", "max_depth", "max_bytes", "max_regex_ms",
                 "counting", "started", "active")

    def __init__(self, ctx, state):
        self.state = state
        self.max_units = ctx.max_loop_iterations or None
        self.max_ms = ctx.max_execution_ms or None
        self.max_depth = ctx.max_call_depth or None
        self.max_bytes = ctx.max_value_bytes
        self.max_regex_ms = ctx.max_regex_ms
        self.counting = bool(self.max_units or self.max_ms)
        self.started = 0.0
        self.active = 0

    # ---------------------------------------------------------------- running time

    def enter(self):
        """A drive of this instance (or of an eval inside it) starts."""
        if not self.active:
            self.started = time.monotonic()
        self.active += 1

    def leave(self):
        self.active -= 1
        if not self.active:
            st = self.state
            st["run_ms"] = st.get("run_ms", 0.0) + (time.monotonic() - self.started) * 1000

    def used_ms(self):
        ms = self.state.get("run_ms", 0.0)
        if self.active:
            ms += (time.monotonic() - self.started) * 1000
        return ms

    # ---------------------------------------------------------------- work units

    def charge(self, n):
        """Count n units of work; raise once a limit is passed."""
        st = self.state
        units = st["loops"] = st.get("loops", 0) + n
        if self.max_units is not None and units > self.max_units:
            raise TimeoutError(f"Loop iterations exceeded limit of {self.max_units}")
        if self.max_ms is not None and self.used_ms() > self.max_ms:
            raise TimeoutError(f"Execution time exceeded limit of {self.max_ms} ms")

    def allowance(self):
        """Units the next countdown chunk may run before reporting: never past the
        iteration limit, so it is enforced exactly."""
        if self.max_units is not None:
            left = self.max_units - self.state.get("loops", 0)
            if left < CHUNK:
                return left + 1 if left >= 0 else 1
        return CHUNK

    def depth_exceeded(self):
        raise LimitError(f"Max call depth of {self.max_depth} exceeded")

    def regex_timeout(self):
        """Seconds a single regex operation may run: the regex cap, or what is left of the
        time limit when that is less."""
        ms = self.max_regex_ms
        if self.max_ms is not None:
            left = max(self.max_ms - self.used_ms(), 1.0)
            ms = left if ms is None else min(ms, left)
        return None if ms is None else ms / 1000.0


def current():
    """The Budget of the instance running on this thread, or None."""
    return getattr(_TLS, "budget", None)


def set_current(budget):
    """Make ``budget`` current for this thread; returns the previous one (to restore)."""
    prev = getattr(_TLS, "budget", None)
    _TLS.budget = budget
    return prev


_pending = 0


def charge(n):
    """Builtin work of n units (elements visited, characters built...). Small amounts are
    summed here and reported in lumps of ``CHARGE_MIN``, so a builtin called a million times
    on small inputs is counted as well as one called once on a big input. (The sum is
    process-wide: with several threads a lump may be reported by another thread's budget,
    which shifts at most ``CHARGE_MIN`` units.)"""
    global _pending
    p = _pending + n
    if p < CHARGE_MIN:
        _pending = p
        return
    _pending = 0
    b = getattr(_TLS, "budget", None)
    if b is not None and b.counting:
        b.charge(p)


def charge_chars(n):
    """Builtin work over n characters: C copies them fast, so one unit is
    ``CHARS_PER_UNIT`` of them."""
    if n >= CHARS_PER_UNIT:
        charge(n // CHARS_PER_UNIT)


def max_value_bytes():
    b = getattr(_TLS, "budget", None)
    return DEFAULT_MAX_VALUE_BYTES if b is None else b.max_bytes


def check_bytes(n, what="Value", count=None):
    """Refuse to build a value of about n bytes when that is over ``max_value_bytes``."""
    if n > BYTES_MIN:
        cap = max_value_bytes()
        if cap is not None and n > cap:
            size = f"of {n} bytes" if count is None else f"of {count} (about {n} bytes)"
            raise LimitError(f"{what} {size} would exceed the limit of {cap} bytes "
                             f"(max_value_bytes)")


def check_chars(n, what="String"):
    """A String of n characters is about to be built."""
    if n > BYTES_MIN:
        check_bytes(n, f"{what} size")


def check_slots(n, what="List"):
    """A List/array of n elements is about to be built."""
    if n > BYTES_MIN // LIST_SLOT_BYTES:
        check_bytes(n * LIST_SLOT_BYTES, f"{what} size", f"{n} elements")


def decimal_limit_error():
    return LimitError(f"Decimal value out of range: more than {MAX_DECIMAL_DIGITS} digits or "
                      f"exponent beyond +/-{MAX_DECIMAL_EXPONENT}")


def check_decimal(d):
    """A Decimal made from text (literal, ``as Decimal``, JSON, regex group): refuse one
    that arithmetic could not have produced. Returns d."""
    if d.is_finite():
        adj = d.adjusted()
        if adj > MAX_DECIMAL_EXPONENT or adj < -MAX_DECIMAL_EXPONENT or \
                len(d.as_tuple().digits) > MAX_DECIMAL_DIGITS:
            raise decimal_limit_error()
    return d

