"""Jactl's date/time classes: LocalDate, LocalTime, LocalDateTime, ZonedDateTime, Instant,
Duration, Period and ZoneId.

Values are immutable and hold only plain ints/strings (so checkpoints can save them through
``@serializable``: TAG + FIELDS). Calendar arithmetic is done on epoch days / nanos so the
full Java year range works; zone rules come from ``zoneinfo``.

Static methods (``LocalDate.parse(...)``) are methods of a ``DTClass`` holder value that the
compiler emits for the class name; they are registered under the same type key as the
instance methods (Jactl lets ``d.now()`` call a static method through an instance).
"""

import datetime as _pydt
import re
import time as _time
import zoneinfo

from ..errors import JactlRuntimeError
from .continuation import serializable
from .types import Long, MISSING
from .methods import register

NANOS = 1_000_000_000
DAY_NANOS = 86400 * NANOS
YEAR_MIN, YEAR_MAX = -999_999_999, 999_999_999
LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1

CLASS_NAMES = ("LocalDate", "LocalTime", "LocalDateTime", "ZonedDateTime", "Instant",
               "Duration", "Period", "ZoneId")

MONTHS = ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
          "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"]
DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def err(msg):
    return JactlRuntimeError(msg)


def _tdiv(a, b):
    """Java's truncating division."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _tmod(a, b):
    return a - b * _tdiv(a, b)


def _long(v):
    if v < LONG_MIN or v > LONG_MAX:
        raise err("long overflow")
    return Long(v)


def _int(v):
    if v < INT_MIN or v > INT_MAX:
        raise err("integer overflow")
    return int(v)


def _check(name, v, lo, hi):
    if v < lo or v > hi:
        raise err(f"Invalid value for {name} (valid values {lo} - {hi}): {v}")
    return v


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def month_len(y, m):
    if m == 2:
        return 29 if is_leap(y) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


class _Base:
    __slots__ = ()
    _jactl_type_keys = ("Object",)
    NAME = ""

    def _jactl_class_name(self):
        return self.NAME

    def _jactl_isa(self, name):
        if name in (self.NAME, "jactl.time." + self.NAME):
            return True
        if name in ("TemporalAmount", "jactl.time.TemporalAmount"):
            return self.NAME in ("Duration", "Period")
        if name in ("Temporal", "jactl.time.Temporal"):
            return self.NAME in ("LocalTime", "LocalDateTime", "ZonedDateTime", "Instant",
                                 "LocalDate")
        return False

    def _jactl_to_string(self, seen=None):
        return str(self)

    def _jactl_to_json(self, *a):
        return '"' + str(self) + '"'

    def _key(self):
        return tuple(getattr(self, f) for f in self.FIELDS)

    # checkpoint restore: the fields a constructor of this runtime could have produced
    def _check_date(self, check):
        check.integer(self.y, YEAR_MIN, YEAR_MAX, f"{self.NAME} year")
        check.integer(self.m, 1, 12, f"{self.NAME} month")
        check.integer(self.d, 1, month_len(self.y, self.m), f"{self.NAME} day")

    def _check_nod(self, check):
        check.integer(self.nod, 0, DAY_NANOS - 1, f"{self.NAME} time of day")

    @staticmethod
    def _check_zone(check, zid):
        check.that(type(zid) is str, "zone id must be a String")
        try:
            ok = ZoneId.of(zid).id == zid
        except JactlRuntimeError:
            ok = False
        check.that(ok, f"unknown zone id {zid[:40]!r}")

    def __eq__(self, o):
        return type(o) is type(self) and self._key() == o._key()

    def __ne__(self, o):
        return not self.__eq__(o)

    def __hash__(self):
        return hash((self.NAME,) + self._key())

    def __lt__(self, o):
        return self._order() < o._order()

    def __le__(self, o):
        return self._order() <= o._order()

    def __gt__(self, o):
        return self._order() > o._order()

    def __ge__(self, o):
        return self._order() >= o._order()

    def _order(self):
        return self._key()

    def __repr__(self):
        return f"{self.NAME}({self})"


# ------------------------------------------------------------------------------ ZoneId

def _offset_str(secs):
    if secs == 0:
        return "Z"
    sign = "+" if secs > 0 else "-"
    a = abs(secs)
    h, m, s = a // 3600, a // 60 % 60, a % 60
    r = f"{sign}{h:02d}:{m:02d}"
    if s:
        r += f":{s:02d}"
    return r


_OFFSET_RE = re.compile(r"([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?\Z")


def _parse_offset(s):
    if s == "Z":
        return 0
    m = _OFFSET_RE.match(s)
    if not m:
        return None
    h = int(m.group(2))
    mi = int(m.group(3) or 0)
    se = int(m.group(4) or 0)
    if len(m.group(2)) == 1 and m.group(3) is not None and ":" in s:
        return None
    if h > 18 or mi > 59 or se > 59:
        raise err(f"Zone offset hours not in valid range: value {h} is not in the range -18 to 18"
                  if h > 18 else f"Invalid ID for ZoneOffset, invalid format: {s}")
    tot = h * 3600 + mi * 60 + se
    if tot > 18 * 3600:
        raise err("Zone offset not in valid range: -18:00 to +18:00")
    return tot if m.group(1) == "+" else -tot


_ZI_CACHE = {}


def _zoneinfo(zid):
    z = _ZI_CACHE.get(zid)
    if z is None:
        z = zoneinfo.ZoneInfo(zid)
        _ZI_CACHE[zid] = z
    return z


_AVAILABLE = None


_AVAILABLE_SET = None


def available_zones():
    global _AVAILABLE
    if _AVAILABLE is None:
        _AVAILABLE = sorted(_available_set())
    return _AVAILABLE


def _available_set():
    """The IANA zone ids (scanned once: available_timezones() walks the filesystem)."""
    global _AVAILABLE_SET
    if _AVAILABLE_SET is None:
        _AVAILABLE_SET = frozenset(zoneinfo.available_timezones())
    return _AVAILABLE_SET


@serializable
class ZoneId(_Base):
    """A zone: a fixed offset (id 'Z', '+01:00') or a region ('Europe/Paris', 'UTC')."""
    __slots__ = ("id",)
    TAG = "dt.ZoneId"
    FIELDS = ("id",)
    NAME = "ZoneId"
    _jactl_type_keys = ("ZoneId", "Object")

    def __init__(self, zid):
        self.id = zid

    def validate(self, check):
        self._check_zone(check, self.id)

    def __str__(self):
        return self.id

    @property
    def fixed(self):
        """Offset seconds of a fixed-offset zone, or None for a region."""
        if self.id == "Z" or self.id[:1] in "+-":
            return _parse_offset(self.id)
        return None

    @staticmethod
    def of(s):
        if s is None:
            raise err("Null zone id")
        off = None
        if s == "Z" or s[:1] in "+-":
            off = _parse_offset(s)
            if off is None:
                raise err(f"Invalid ID for ZoneOffset, invalid format: {s}")
            return ZoneId(_offset_str(off))
        for pfx in ("UTC", "GMT", "UT"):
            if s.startswith(pfx) and len(s) > len(pfx) and s[len(pfx)] in "+-":
                off = _parse_offset(s[len(pfx):])
                if off is None:
                    raise err(f"Invalid ID for offset-based ZoneId: {s}")
                return ZoneId(pfx + ("Z" if off == 0 else _offset_str(off))) \
                    if off != 0 else ZoneId(pfx)
        if not re.match(r"[A-Za-z][A-Za-z0-9~/._+-]+\Z", s):
            raise err(f"Invalid ID for region-based ZoneId, invalid format: {s}")
        if s not in _available_set() and s not in ("UTC", "GMT", "UT"):
            raise err(f"Unknown time-zone ID: {s}")
        return ZoneId(s)

    def offset_at(self, epoch_sec):
        """Offset (seconds) in this zone at an instant."""
        f = self.fixed
        if f is not None:
            return f
        if self.id in ("UTC", "GMT", "UT") or self.id.startswith(("UTC", "GMT", "UT")) and \
                self.id[3:4] in "+-" and False:
            return 0
        pref = self._prefix_offset()
        if pref is not None:
            return pref
        es = min(max(epoch_sec, -62135596800 + 86400 * 2), 253402300799 - 86400 * 2)
        dt = _pydt.datetime.fromtimestamp(es, _zoneinfo(self.id))
        return int(dt.utcoffset().total_seconds())

    def _prefix_offset(self):
        for pfx in ("UTC", "GMT", "UT"):
            if self.id.startswith(pfx) and len(self.id) > len(pfx) and self.id[len(pfx)] in "+-":
                return _parse_offset(self.id[len(pfx):])
        if self.id in ("UTC", "GMT", "UT"):
            return 0
        return None

    def offsets_for_local(self, local_sec):
        """Valid offsets for a local date-time (as seconds since local epoch): [] in a gap
        (then also returns the offset before the gap), [o] normally, [earlier, later] in an
        overlap. Returns (offsets, offset_before)."""
        f = self.fixed
        if f is None:
            f = self._prefix_offset()
        if f is not None:
            return [f], f
        ls = min(max(local_sec, -62135596800 + 86400 * 2), 253402300799 - 86400 * 2)
        y, mo, d = civil_from_days(ls // 86400)
        r = ls % 86400
        tz = _zoneinfo(self.id)
        res = []
        for fold in (0, 1):
            dt = _pydt.datetime(y, mo, d, r // 3600, r // 60 % 60, r % 60, fold=fold, tzinfo=tz)
            res.append(int(dt.utcoffset().total_seconds()))
        o0, o1 = res
        # check validity: converting back must give same local time
        valid = []
        for o in (o0, o1):
            if self.offset_at(local_sec - o) == o and o not in valid:
                valid.append(o)
        return valid, o0

    def normalized(self):
        f = self.fixed
        if f is None:
            f = self._prefix_offset()
        if f is not None:
            return ZoneId(_offset_str(f))
        return self


UTC_ZONE = ZoneId("Z")


def _system_zone():
    try:
        import os
        tz = os.environ.get("TZ")
        if tz and tz in _available_set():
            return ZoneId(tz)
        lt = _pydt.datetime.now().astimezone()
        key = getattr(lt.tzinfo, "key", None)
        if key:
            return ZoneId(key)
        try:
            link = os.path.realpath("/etc/localtime")
            if "zoneinfo/" in link:
                k = link.split("zoneinfo/", 1)[1]
                if k in _available_set():
                    return ZoneId(k)
        except OSError:
            pass
        off = int(lt.utcoffset().total_seconds())
        return ZoneId("UTC") if off == 0 else ZoneId(_offset_str(off))
    except Exception:
        return ZoneId("UTC")


def _zone_arg(z):
    if isinstance(z, ZoneId):
        return z
    if isinstance(z, str):
        return ZoneId.of(z)
    if z is None:
        raise err("Null value for zoneId")
    raise err(f"Cannot convert argument of type {type(z).__name__} to ZoneId")


# ------------------------------------------------------------------------------ LocalDate

@serializable
class LocalDate(_Base):
    __slots__ = ("y", "m", "d")
    TAG = "dt.LocalDate"
    FIELDS = ("y", "m", "d")
    NAME = "LocalDate"
    _jactl_type_keys = ("LocalDate", "Object")

    def __init__(self, y, m, d):
        self.y, self.m, self.d = y, m, d

    def validate(self, check):
        self._check_date(check)

    @staticmethod
    def of(y, m, d):
        _check("Year", y, YEAR_MIN, YEAR_MAX)
        _check("MonthOfYear", m, 1, 12)
        _check("DayOfMonth", d, 1, 31)
        if d > month_len(y, m):
            if d == 29:
                raise err(f"Invalid date 'February 29' as '{y}' is not a leap year")
            raise err(f"Invalid date '{MONTHS[m - 1]} {d}'")
        return LocalDate(y, m, d)

    @staticmethod
    def of_epoch_day(n):
        y, m, d = civil_from_days(n)
        _check("Year", y, YEAR_MIN, YEAR_MAX)
        return LocalDate(y, m, d)

    def epoch_day(self):
        return days_from_civil(self.y, self.m, self.d)

    def __str__(self):
        y = self.y
        if abs(y) < 1000:
            ys = ("-" if y < 0 else "") + f"{abs(y):04d}"
        elif y > 9999:
            ys = f"+{y}"
        else:
            ys = str(y)
        return f"{ys}-{self.m:02d}-{self.d:02d}"

    def day_of_year(self):
        return self.epoch_day() - days_from_civil(self.y, 1, 1) + 1

    def dow(self):
        return (self.epoch_day() + 3) % 7    # 0 = Monday

    def plus_months(self, n):
        tot = self.y * 12 + (self.m - 1) + n
        y, m = tot // 12, tot % 12 + 1
        _check("Year", y, YEAR_MIN, YEAR_MAX)
        return LocalDate(y, m, min(self.d, month_len(y, m)))

    def plus_days(self, n):
        if n == 0:
            return self
        return LocalDate.of_epoch_day(self.epoch_day() + n)


def _period_between(a, b):
    tm = (b.y * 12 + b.m - 1) - (a.y * 12 + a.m - 1)
    days = b.d - a.d
    if tm > 0 and days < 0:
        tm -= 1
        days = b.epoch_day() - a.plus_months(tm).epoch_day()
    elif tm < 0 and days > 0:
        tm += 1
        days -= month_len(b.y, b.m)
    return Period(_tdiv(tm, 12), _tmod(tm, 12), days)


# ------------------------------------------------------------------------------ LocalTime

@serializable
class LocalTime(_Base):
    __slots__ = ("nod",)
    TAG = "dt.LocalTime"
    FIELDS = ("nod",)
    NAME = "LocalTime"
    _jactl_type_keys = ("LocalTime", "Object")

    def __init__(self, nod):
        self.nod = nod

    def validate(self, check):
        self._check_nod(check)

    @staticmethod
    def of(h, mi, s=0, n=0):
        _check("HourOfDay", h, 0, 23)
        _check("MinuteOfHour", mi, 0, 59)
        _check("SecondOfMinute", s, 0, 59)
        _check("NanoOfSecond", n, 0, 999999999)
        return LocalTime(((h * 60 + mi) * 60 + s) * NANOS + n)

    @property
    def hour(self):
        return self.nod // (3600 * NANOS)

    @property
    def minute(self):
        return self.nod // (60 * NANOS) % 60

    @property
    def second(self):
        return self.nod // NANOS % 60

    @property
    def nano(self):
        return self.nod % NANOS

    def __str__(self):
        return _time_str(self.nod)

    def plus_nanos(self, n):
        return LocalTime((self.nod + n) % DAY_NANOS)


def _time_str(nod):
    h, mi, s, n = nod // (3600 * NANOS), nod // (60 * NANOS) % 60, nod // NANOS % 60, nod % NANOS
    r = f"{h:02d}:{mi:02d}"
    if s or n:
        r += f":{s:02d}"
        if n:
            if n % 1000000 == 0:
                r += f".{n // 1000000:03d}"
            elif n % 1000 == 0:
                r += f".{n // 1000:06d}"
            else:
                r += f".{n:09d}"
    return r


# ------------------------------------------------------------------------------ LocalDateTime

@serializable
class LocalDateTime(_Base):
    __slots__ = ("y", "m", "d", "nod")
    TAG = "dt.LocalDateTime"
    FIELDS = ("y", "m", "d", "nod")
    NAME = "LocalDateTime"
    _jactl_type_keys = ("LocalDateTime", "Object")

    def __init__(self, y, m, d, nod):
        self.y, self.m, self.d, self.nod = y, m, d, nod

    def validate(self, check):
        self._check_date(check)
        self._check_nod(check)

    @staticmethod
    def of(date, time):
        return LocalDateTime(date.y, date.m, date.d, time.nod)

    @property
    def date(self):
        return LocalDate(self.y, self.m, self.d)

    @property
    def time(self):
        return LocalTime(self.nod)

    def __str__(self):
        return f"{self.date}T{self.time}"

    def local_nanos(self):
        """Nanos since 1970-01-01T00:00 (local)."""
        return self.date.epoch_day() * DAY_NANOS + self.nod

    @staticmethod
    def of_local_nanos(n):
        d = LocalDate.of_epoch_day(n // DAY_NANOS)
        return LocalDateTime(d.y, d.m, d.d, n % DAY_NANOS)

    def plus_nanos(self, n):
        if n == 0:
            return self
        return LocalDateTime.of_local_nanos(self.local_nanos() + n)

    def with_date(self, d):
        return LocalDateTime(d.y, d.m, d.d, self.nod)

    def with_time(self, nod):
        return LocalDateTime(self.y, self.m, self.d, nod)


# ------------------------------------------------------------------------------ Instant

INSTANT_MIN = -31557014167219200
INSTANT_MAX = 31556889864403199


class _SecNano(_Base):
    """A value held as whole seconds plus nanoseconds (Instant, Duration), with the range
    Java allows for the seconds."""
    __slots__ = ("sec", "nano")
    FIELDS = ("sec", "nano")
    _SEC_RANGE = (LONG_MIN, LONG_MAX)
    _RANGE_ERROR = "long overflow"

    def __init__(self, sec, nano):
        self.sec, self.nano = sec, nano

    def validate(self, check):
        lo, hi = self._SEC_RANGE
        check.integer(self.sec, lo, hi, f"{self.NAME} seconds")
        check.integer(self.nano, 0, NANOS - 1, f"{self.NAME} nanoseconds")

    @classmethod
    def of_nanos(cls, total):
        s, n = divmod(total, NANOS)
        lo, hi = cls._SEC_RANGE
        if s < lo or s > hi:
            raise err(cls._RANGE_ERROR)
        return cls(s, n)

    def total_nanos(self):
        return self.sec * NANOS + self.nano


@serializable
class Instant(_SecNano):
    __slots__ = ()
    TAG = "dt.Instant"
    NAME = "Instant"
    _jactl_type_keys = ("Instant", "Object")
    _SEC_RANGE = (INSTANT_MIN, INSTANT_MAX)
    _RANGE_ERROR = "Instant exceeds minimum or maximum instant"

    def __str__(self):
        ldt = LocalDateTime.of_local_nanos(self.total_nanos())
        s = str(ldt.date) + "T" + f"{ldt.nod // (3600 * NANOS):02d}:" \
            f"{ldt.nod // (60 * NANOS) % 60:02d}:{ldt.nod // NANOS % 60:02d}"
        n = self.nano
        if n:
            if n % 1000000 == 0:
                s += f".{n // 1000000:03d}"
            elif n % 1000 == 0:
                s += f".{n // 1000:06d}"
            else:
                s += f".{n:09d}"
        return s + "Z"


# ------------------------------------------------------------------------------ ZonedDateTime

@serializable
class ZonedDateTime(_Base):
    __slots__ = ("y", "m", "d", "nod", "off", "zone")
    TAG = "dt.ZonedDateTime"
    FIELDS = ("y", "m", "d", "nod", "off", "zone")
    NAME = "ZonedDateTime"
    _jactl_type_keys = ("ZonedDateTime", "Object")

    def __init__(self, ldt, off, zone):
        self.y, self.m, self.d, self.nod = ldt.y, ldt.m, ldt.d, ldt.nod
        self.off = off
        self.zone = zone          # zone id string

    def validate(self, check):
        self._check_date(check)
        self._check_nod(check)
        check.integer(self.off, -18 * 3600, 18 * 3600, "zone offset")
        self._check_zone(check, self.zone)

    @property
    def ldt(self):
        return LocalDateTime(self.y, self.m, self.d, self.nod)

    @property
    def zid(self):
        return ZoneId(self.zone)

    def _order(self):
        return (self.epoch_nanos(), self.ldt._key())

    def epoch_nanos(self):
        return self.ldt.local_nanos() - self.off * NANOS

    def __str__(self):
        s = str(self.ldt) + _offset_str(self.off)
        if self.zone != _offset_str(self.off):
            s += f"[{self.zone}]"
        return s

    @staticmethod
    def of_local(ldt, zone, preferred=None):
        zone = _zone_arg(zone)
        ln = ldt.local_nanos()
        valid, before = zone.offsets_for_local(ln // NANOS)
        if len(valid) == 1:
            off = valid[0]
        elif len(valid) >= 2:
            off = preferred if preferred in valid else valid[0]
        else:
            # gap: move forward by the length of the gap
            after = zone.offset_at(ln // NANOS - before)
            ldt = ldt.plus_nanos((after - before) * NANOS)
            off = after
        return ZonedDateTime(ldt, off, zone.id)

    @staticmethod
    def of_instant_nanos(total, zone):
        zone = _zone_arg(zone)
        off = zone.offset_at(total // NANOS)
        return ZonedDateTime(LocalDateTime.of_local_nanos(total + off * NANOS), off, zone.id)

    def to_instant(self):
        return Instant.of_nanos(self.epoch_nanos())

    def with_local(self, ldt):
        return ZonedDateTime.of_local(ldt, self.zid, self.off)


# ------------------------------------------------------------------------------ Duration

@serializable
class Duration(_SecNano):
    __slots__ = ()
    TAG = "dt.Duration"
    NAME = "Duration"
    _jactl_type_keys = ("Duration", "Object")

    total = _SecNano.total_nanos

    def __str__(self):
        if self.sec == 0 and self.nano == 0:
            return "PT0S"
        seconds, nanos = self.sec, self.nano
        eff = seconds + 1 if seconds < 0 and nanos > 0 else seconds
        hours = _tdiv(eff, 3600)
        minutes = _tdiv(_tmod(eff, 3600), 60)
        secs = _tmod(eff, 60)
        b = "PT"
        if hours:
            b += f"{hours}H"
        if minutes:
            b += f"{minutes}M"
        if secs == 0 and nanos == 0 and len(b) > 2:
            return b
        if seconds < 0 and nanos > 0:
            b += "-0" if secs == 0 else str(secs)
        else:
            b += str(secs)
        if nanos > 0:
            frac = str(2 * NANOS - nanos if seconds < 0 else nanos + NANOS)
            frac = frac.rstrip("0")
            b += "." + frac[1:]
        return b + "S"


_DUR_RE = re.compile(r"([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?"
                     r"(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?\Z", re.I)


def _parse_duration(text):
    m = _DUR_RE.match(text)
    if m and not (m.group(3) is not None and m.group(3).upper() == "T") and \
            any(m.group(i) is not None for i in (2, 4, 5, 6)):
        neg = m.group(1) == "-"
        d = int(m.group(2) or 0)
        h = int(m.group(4) or 0)
        mi = int(m.group(5) or 0)
        s = int(m.group(6) or 0)
        fr = m.group(7)
        n = 0
        if fr:
            n = int((fr + "000000000")[:9])
            if m.group(6).startswith("-"):
                n = -n
        tot = ((d * 86400 + h * 3600 + mi * 60 + s) * NANOS + n)
        if neg:
            tot = -tot
        return Duration.of_nanos(tot)
    raise err(f"Text cannot be parsed to a Duration")


# ------------------------------------------------------------------------------ Period

@serializable
class Period(_Base):
    __slots__ = ("years", "months", "days")
    TAG = "dt.Period"
    FIELDS = ("years", "months", "days")
    NAME = "Period"
    _jactl_type_keys = ("Period", "Object")

    def __init__(self, y, m, d):
        self.years, self.months, self.days = _int(y), _int(m), _int(d)

    def validate(self, check):
        for f in self.FIELDS:
            check.integer(getattr(self, f), INT_MIN, INT_MAX, f"Period {f}")

    def __str__(self):
        if self.years == 0 and self.months == 0 and self.days == 0:
            return "P0D"
        s = "P"
        if self.years:
            s += f"{self.years}Y"
        if self.months:
            s += f"{self.months}M"
        if self.days:
            s += f"{self.days}D"
        return s

    def __lt__(self, o):
        raise err("Cannot compare Period values")


_PER_RE = re.compile(r"([-+]?)P(?:([-+]?[0-9]+)Y)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)W)?"
                     r"(?:([-+]?[0-9]+)D)?\Z", re.I)


def _parse_period(text):
    m = _PER_RE.match(text)
    if m and any(m.group(i) is not None for i in (2, 3, 4, 5)):
        sg = -1 if m.group(1) == "-" else 1
        y = int(m.group(2) or 0)
        mo = int(m.group(3) or 0)
        w = int(m.group(4) or 0)
        d = int(m.group(5) or 0)
        return Period(_int(y * sg), _int(mo * sg), _int(_int(d + _int(w * 7)) * sg))
    raise err("Text cannot be parsed to a Period")


# ------------------------------------------------------------------------------ parsing

_DATE_RE = r"([+-]?\d{4,10})-(\d{2})-(\d{2})"
_TIME_RE = r"(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"


def _parse_err(text, idx=0):
    return err(f"Text '{text}' could not be parsed at index {idx}")


def _mk_date(text, y, m, d):
    try:
        return LocalDate.of(int(y), int(m), int(d))
    except JactlRuntimeError as e:
        raise err(f"Text '{text}' could not be parsed: {e}") from None


def _mk_time(text, h, mi, s, f):
    try:
        n = int((f + "000000000")[:9]) if f else 0
        return LocalTime.of(int(h), int(mi), int(s or 0), n)
    except JactlRuntimeError as e:
        raise err(f"Text '{text}' could not be parsed: {e}") from None


def parse_date(text):
    m = re.fullmatch(_DATE_RE, text)
    if not m:
        raise _parse_err(text, _err_index(text, _DATE_RE))
    return _mk_date(text, *m.groups())


def _err_index(text, rx):
    """Length of the longest prefix of text that matches rx (where a parse stopped)."""
    best = 0
    for i in range(len(text) + 1):
        if re.match(rx, text[:i]):
            best = i
    return best


def parse_time(text):
    m = re.fullmatch(_TIME_RE, text)
    if not m:
        raise _parse_err(text)
    return _mk_time(text, *m.groups())


def parse_ldt(text):
    m = re.fullmatch(_DATE_RE + "T" + _TIME_RE, text)
    if not m:
        raise _parse_err(text)
    g = m.groups()
    return LocalDateTime.of(_mk_date(text, *g[:3]), _mk_time(text, *g[3:]))


def parse_zdt(text):
    m = re.fullmatch(_DATE_RE + "T" + _TIME_RE + r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?"
                     r"(?:\[([^\]]+)\])?", text)
    if not m or (m.group(8) is None and m.group(9) is None):
        raise _parse_err(text)
    g = m.groups()
    ldt = LocalDateTime.of(_mk_date(text, *g[:3]), _mk_time(text, *g[3:7]))
    off = _parse_offset(g[7]) if g[7] is not None else None
    if g[8] is not None:
        zone = ZoneId.of(g[8])
        return ZonedDateTime.of_local(ldt, zone, off)
    return ZonedDateTime(ldt, off, _offset_str(off))


def parse_instant(text):
    m = re.fullmatch(_DATE_RE + "T" + _TIME_RE + r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)", text)
    if not m:
        raise _parse_err(text)
    g = m.groups()
    ldt = LocalDateTime.of(_mk_date(text, *g[:3]), _mk_time(text, *g[3:7]))
    off = _parse_offset(g[7])
    return Instant.of_nanos(ldt.local_nanos() - off * NANOS)


# ------------------------------------------------------------------------------ formatting

_KNOWN_LETTERS = set("GuyDMLdQqYwWEecFahKkHmsSAnNVvzOXxZpBg")
_MON_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAY_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _tokens(pattern):
    """Pattern -> list of ('lit', text) / (letter, count)."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            j = i + 1
            buf = ""
            while True:
                if j >= n:
                    raise err(f"Pattern ends with an incomplete string literal: {pattern}")
                if pattern[j] == "'":
                    if j + 1 < n and pattern[j + 1] == "'":
                        buf += "'"
                        j += 2
                        continue
                    break
                buf += pattern[j]
                j += 1
            out.append(("lit", buf if j > i + 1 else "'"))
            i = j + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            if c not in _KNOWN_LETTERS:
                raise err(f"Unknown pattern letter: {c}")
            out.append((c, j - i))
            i = j
        elif c in "[]{}#":
            if c in "{}#":
                raise err(f"Pattern includes reserved character: '{c}'")
            i += 1
        else:
            out.append(("lit", c))
            i += 1
    return out


_FIELD_NAMES = {
    "G": "Era", "u": "Year", "y": "YearOfEra", "D": "DayOfYear", "M": "MonthOfYear",
    "L": "MonthOfYear", "d": "DayOfMonth", "Q": "QuarterOfYear", "q": "QuarterOfYear",
    "E": "DayOfWeek", "e": "DayOfWeek", "c": "DayOfWeek", "a": "AmPmOfDay",
    "h": "ClockHourOfAmPm", "K": "HourOfAmPm", "k": "ClockHourOfDay", "H": "HourOfDay",
    "m": "MinuteOfHour", "s": "SecondOfMinute", "S": "NanoOfSecond", "A": "MilliOfDay",
    "n": "NanoOfSecond", "N": "NanoOfDay", "Y": "WeekBasedYear", "w": "WeekOfWeekBasedYear",
    "W": "WeekOfMonth", "F": "AlignedWeekOfMonth",
}


def _pad(v, cnt, mx=19):
    s = str(abs(v)).rjust(cnt, "0")
    return ("-" if v < 0 else "") + s


def format_value(v, pattern):
    toks = _tokens(pattern)
    date = time = None
    off = zone = None
    if isinstance(v, LocalDate):
        date = v
    elif isinstance(v, LocalTime):
        time = v
    elif isinstance(v, LocalDateTime):
        date, time = v.date, v.time
    elif isinstance(v, ZonedDateTime):
        date, time, off, zone = v.ldt.date, v.ldt.time, v.off, v.zone
    out = []
    for c, cnt in toks:
        if c == "lit":
            out.append(cnt)
            continue
        if c in "GuyDMLdQqEecYwWF" and date is None:
            raise err(f"Unsupported field: {_FIELD_NAMES.get(c, c)}")
        if c in "ahKkHmsSAnN" and time is None:
            raise err(f"Unsupported field: {_FIELD_NAMES.get(c, c)}")
        if c in "VvzOXxZ" and off is None:
            raise err("Unable to extract ZoneId from temporal " + str(v)
                      if c in "Vvz" else "Unsupported field: OffsetSeconds")
        if c == "G":
            out.append(("AD" if date.y > 0 else "BC") if cnt <= 3 else
                       ("Anno Domini" if date.y > 0 else "Before Christ"))
        elif c in "uy":
            yr = date.y if c == "u" or date.y > 0 else 1 - date.y
            if cnt == 2:
                out.append(f"{yr % 100:02d}")
            elif cnt == 1:
                out.append(str(yr))
            else:
                s = _pad(yr, cnt)
                if cnt == 4 and yr > 9999:
                    s = "+" + s
                out.append(s)
        elif c in "ML":
            if cnt == 1:
                out.append(str(date.m))
            elif cnt == 2:
                out.append(f"{date.m:02d}")
            elif cnt == 3:
                out.append(_MON_SHORT[date.m - 1])
            elif cnt == 4:
                out.append(MONTHS[date.m - 1].capitalize())
            else:
                out.append(MONTHS[date.m - 1][0])
        elif c == "d":
            out.append(_pad(date.d, cnt))
        elif c == "D":
            out.append(_pad(date.day_of_year(), cnt))
        elif c in "Qq":
            q = (date.m - 1) // 3 + 1
            out.append(_pad(q, cnt) if cnt <= 2 else (f"Q{q}" if cnt == 3 else
                                                     ["1st", "2nd", "3rd", "4th"][q - 1] + " quarter"))
        elif c in "Eec":
            dw = date.dow()
            if c in "ec" and cnt <= 2:
                out.append(_pad((dw + 1) % 7 + 1, cnt))
            elif cnt <= 3:
                out.append(_DAY_SHORT[dw])
            elif cnt == 4:
                out.append(DAYS[dw].capitalize())
            else:
                out.append(DAYS[dw][0])
        elif c == "a":
            out.append("AM" if time.hour < 12 else "PM")
        elif c == "h":
            out.append(_pad((time.hour + 11) % 12 + 1, cnt))
        elif c == "K":
            out.append(_pad(time.hour % 12, cnt))
        elif c == "k":
            out.append(_pad(time.hour if time.hour else 24, cnt))
        elif c == "H":
            out.append(_pad(time.hour, cnt))
        elif c == "m":
            out.append(_pad(time.minute, cnt))
        elif c == "s":
            out.append(_pad(time.second, cnt))
        elif c == "S":
            out.append(f"{time.nano:09d}"[:cnt].ljust(cnt, "0"))
        elif c == "A":
            out.append(_pad(time.nod // 1000000, cnt))
        elif c == "n":
            out.append(_pad(time.nano, cnt))
        elif c == "N":
            out.append(_pad(time.nod, cnt))
        elif c == "V":
            out.append(zone)
        elif c in "vz":
            out.append(_zone_name(zone, v, cnt))
        elif c == "O":
            out.append(_gmt(off, cnt == 4))
        elif c in "Xx":
            if off == 0 and c == "X":
                out.append("Z")
            else:
                out.append(_iso_off(off, cnt))
        elif c == "Z":
            if cnt <= 3:
                out.append(_iso_off(off, 2))
            elif cnt == 4:
                out.append(_gmt(off, True))
            else:
                out.append("Z" if off == 0 else _iso_off(off, 3))
        else:
            raise err(f"Unsupported field: {_FIELD_NAMES.get(c, c)}")
    return "".join(out)


def _zone_name(zone, v, cnt):
    if zone[:1] in "+-Z":
        return zone
    try:
        dt = _pydt.datetime.fromtimestamp(v.epoch_nanos() // NANOS, _zoneinfo(zone))
        return dt.tzname() or zone
    except Exception:
        return zone


def _gmt(off, full):
    if off == 0:
        return "GMT"
    sign = "+" if off > 0 else "-"
    a = abs(off)
    h, m = a // 3600, a // 60 % 60
    if full:
        return f"GMT{sign}{h:02d}:{m:02d}"
    return f"GMT{sign}{h}" + (f":{m:02d}" if m else "")


def _iso_off(off, cnt):
    sign = "+" if off >= 0 else "-"
    a = abs(off)
    h, m, s = a // 3600, a // 60 % 60, a % 60
    if cnt == 1:
        return f"{sign}{h:02d}" + (f"{m:02d}" if m else "")
    if cnt == 2:
        return f"{sign}{h:02d}{m:02d}"
    if cnt == 3:
        return f"{sign}{h:02d}:{m:02d}"
    if cnt == 4:
        return f"{sign}{h:02d}{m:02d}" + (f"{s:02d}" if s else "")
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def parse_with_format(text, pattern, kind):
    toks = _tokens(pattern)
    rx = ""
    groups = []
    for i, (c, cnt) in enumerate(toks):
        if c == "lit":
            rx += re.escape(cnt)
            continue
        nxt_num = i + 1 < len(toks) and toks[i + 1][0] not in ("lit",) and \
            toks[i + 1][0] in "uyDMLdHhKkmsSnNA"
        g = f"g{i}"
        groups.append((g, c, cnt))
        if c in "ML" and cnt == 3:
            rx += f"(?P<{g}>[A-Za-z]{{3}})"
        elif c in "ML" and cnt >= 4:
            rx += f"(?P<{g}>[A-Za-z]+)"
        elif c in "Eec" and cnt >= 3:
            rx += f"(?P<{g}>[A-Za-z]+)"
        elif c == "a":
            rx += f"(?P<{g}>[AaPp][Mm])"
        elif c in "VvzOXxZ":
            rx += f"(?P<{g}>Z|[+-][0-9:]+|GMT[+-]?[0-9:]*|[A-Za-z_/+-]+)"
        elif c == "G":
            rx += f"(?P<{g}>[A-Za-z ]+)"
        elif c in "uy" and cnt == 2:
            rx += f"(?P<{g}>\\d{{2}})"
        elif c in "uy" and cnt >= 4:
            rx += f"(?P<{g}>[+-]?\\d{{{cnt},10}})" if not nxt_num else f"(?P<{g}>\\d{{{cnt}}})"
        elif c == "S":
            rx += f"(?P<{g}>\\d{{{cnt}}})"
        elif cnt >= 2 or nxt_num:
            rx += f"(?P<{g}>\\d{{{cnt}}})" if cnt >= 2 else f"(?P<{g}>\\d{{1,2}})"
        else:
            rx += f"(?P<{g}>[+-]?\\d+)"
    m = re.fullmatch(rx, text)
    if not m:
        raise _parse_err(text)
    f = {}
    for g, c, cnt in groups:
        s = m.group(g)
        if c in "ML":
            if cnt >= 3:
                names = _MON_SHORT if cnt == 3 else [x.capitalize() for x in MONTHS]
                if s not in names:
                    raise _parse_err(text)
                f["M"] = names.index(s) + 1
            else:
                f["M"] = int(s)
        elif c in "uy":
            v = int(s)
            if cnt == 2:
                v += 2000
            f["y"] = v
        elif c == "a":
            f["a"] = s.upper()
        elif c == "S":
            f["n"] = int((s + "000000000")[:9])
        elif c in "VvzOXxZ":
            f["zone"] = s
        elif c in "dDHhKkmsnNA":
            f[c] = int(s)
    try:
        for c, lo, hi, nm in (("h", 1, 12, "ClockHourOfAmPm"), ("K", 0, 11, "HourOfAmPm"),
                              ("k", 1, 24, "ClockHourOfDay")):
            if c in f:
                _check(nm, f[c], lo, hi)
        hour = f.get("H")
        if hour is None and "h" in f:
            hour = f["h"] % 12 + (12 if f.get("a") == "PM" else 0)
        if hour is None and "K" in f:
            hour = f["K"] + (12 if f.get("a") == "PM" else 0)
        if hour is None and "k" in f:
            hour = f["k"] % 24
        date = None
        if "y" in f and "M" in f and "d" in f:
            date = LocalDate.of(f["y"], f["M"], f["d"])
        elif "y" in f and "D" in f:
            date = LocalDate.of(f["y"], 1, 1).plus_days(f["D"] - 1)
        time = None
        if hour is not None:
            time = LocalTime.of(hour, f.get("m", 0), f.get("s", 0), f.get("n", 0))
    except JactlRuntimeError as e:
        raise err(f"Text '{text}' could not be parsed: {e}") from None
    if kind == "LocalDate":
        if date is None:
            raise err(f"Text '{text}' could not be parsed: Unable to obtain LocalDate from "
                      f"TemporalAccessor")
        return date
    if kind == "LocalTime":
        if time is None:
            raise err(f"Text '{text}' could not be parsed: Unable to obtain LocalTime from "
                      f"TemporalAccessor")
        return time
    if date is None or time is None:
        raise err(f"Text '{text}' could not be parsed: Unable to obtain {kind} from "
                  f"TemporalAccessor")
    ldt = LocalDateTime.of(date, time)
    if kind == "LocalDateTime":
        return ldt
    z = f.get("zone")
    if z is None:
        raise err(f"Text '{text}' could not be parsed: Unable to obtain ZonedDateTime from "
                  f"TemporalAccessor")
    if z.startswith("GMT") and len(z) > 3:
        z = z[3:]
    off = _parse_offset(z) if (z == "Z" or z[:1] in "+-") else None
    if off is not None:
        return ZonedDateTime(ldt, off, _offset_str(off))
    return ZonedDateTime.of_local(ldt, ZoneId.of(z))


# ------------------------------------------------------------------------------ static holder

@serializable
class DTClass:
    """The value of a date/time class name (receiver of its static methods)."""
    __slots__ = ("name", "_jactl_type_keys")
    TAG = "dt.Class"
    FIELDS = ("name",)

    def __init__(self, name):
        self.name = name

    def validate(self, check):
        check.that(type(self.name) is str and self.name in CLASS_NAMES,
                   "unknown date/time class")

    def __getattr__(self, a):
        if a == "_jactl_type_keys":
            return (self.name, "Object")
        raise AttributeError(a)

    def _jactl_class_name(self):
        return "Class"

    def _jactl_to_string(self, seen=None):
        return f"class jactl.time.{self.name}"


STATICS = {n: DTClass(n) for n in CLASS_NAMES}
