"""Methods of the date/time classes (see datetime.py), registered with methods.register."""

import time as _time

from .datetime import (LocalDate, LocalTime, LocalDateTime, ZonedDateTime, Instant, Duration,
                       Period, ZoneId, NANOS, DAY_NANOS, err, _check, _long, _int, _tdiv,
                       YEAR_MIN, YEAR_MAX, month_len, is_leap, MONTHS, DAYS, _zone_arg,
                       _system_zone, parse_date, parse_time, parse_ldt, parse_zdt,
                       parse_instant, _parse_duration, _parse_period, format_value,
                       parse_with_format, _period_between, available_zones, _offset_str)
from .methods import register
from .readonly import ReadOnlyList
from .types import Long, MISSING

M = MISSING


def reg(key, name, params, fn):
    register(key, name, tuple((p[0], p[1], p[2] if len(p) > 2 else M) for p in params), fn)


def _now_nanos():
    return _time.time_ns()


def _ret_int(v):
    return _int(v)


# ----------------------------------------------------------------------------- common

def _add_common(key):
    reg(key, "format", [("format", "String")], lambda o, f: format_value(o, f))


def _date_of(o):
    return o if isinstance(o, LocalDate) else o.ldt.date if isinstance(o, ZonedDateTime) \
        else o.date


def _date_getters(key):
    reg(key, "getYear", [], lambda o: _date_of(o).y)
    reg(key, "getMonthValue", [], lambda o: _date_of(o).m)
    reg(key, "getDayOfMonth", [], lambda o: _date_of(o).d)
    reg(key, "getDayOfYear", [], lambda o: _date_of(o).day_of_year())
    reg(key, "getDayOfWeek", [], lambda o: DAYS[_date_of(o).dow()])
    reg(key, "getMonth", [], lambda o: MONTHS[_date_of(o).m - 1])


def _nod(o):
    return o.nod


def _time_getters(key):
    reg(key, "getHour", [], lambda o: _nod(o) // (3600 * NANOS))
    reg(key, "getMinute", [], lambda o: _nod(o) // (60 * NANOS) % 60)
    reg(key, "getSecond", [], lambda o: _nod(o) // NANOS % 60)
    reg(key, "getNano", [], lambda o: _nod(o) % NANOS)


def _cmp_methods(key, names=("isAfter", "isBefore", "isEqual")):
    ops = {"isAfter": lambda a, b: a > b, "isBefore": lambda a, b: a < b,
           "isEqual": lambda a, b: not a < b and not b < a}
    for n in names:
        reg(key, n, [("other", key)], (lambda f: lambda o, x: f(o._order(), _req(x)._order()))(ops[n]))


def _req(x):
    if x is None:
        raise err("Null value passed as argument")
    return x


# ----------------------------------------------------------------------------- LocalDate

def _ld_plus_amount(d, a, sign):
    a = _req(a)
    if isinstance(a, Period):
        if a.years and a.months:
            d = d.plus_months(sign * (a.years * 12 + a.months))
        else:
            if a.years:
                d = d.plus_months(sign * a.years * 12)
            if a.months:
                d = d.plus_months(sign * a.months)
        return d.plus_days(sign * a.days)
    if isinstance(a, Duration):
        raise err("Unsupported unit: Seconds")
    raise err(f"Unsupported amount type")


def _ld_with_dom(d, n):
    _check("DayOfMonth", n, 1, 31)
    return LocalDate.of(d.y, d.m, n)


def _ld_with_doy(d, n):
    _check("DayOfYear", n, 1, 366)
    if n == 366 and not is_leap(d.y):
        raise err(f"Invalid date 'DayOfYear 366' as '{d.y}' is not a leap year")
    return LocalDate.of(d.y, 1, 1).plus_days(n - 1)


def _ld_with_month(d, n):
    _check("MonthOfYear", n, 1, 12)
    return LocalDate(d.y, n, min(d.d, month_len(d.y, n)))


def _ld_with_year(d, n):
    _check("Year", n, YEAR_MIN, YEAR_MAX)
    return LocalDate(n, d.m, min(d.d, month_len(n, d.m)))


def _today(zone=None):
    z = _zone_arg(zone) if zone is not None else _system_zone()
    return ZonedDateTime.of_instant_nanos(_now_nanos(), z)


K = "LocalDate"
reg(K, "now", [], lambda o: _today().ldt.date)
reg(K, "nowInZone", [("zone", "def")], lambda o, z: _today(_req(z)).ldt.date)
reg(K, "of", [("year", "int"), ("month", "int"), ("day", "int")], lambda o, y, m, d: LocalDate.of(y, m, d))
reg(K, "ofEpochDay", [("epochDay", "long")], lambda o, n: LocalDate.of_epoch_day(n))
reg(K, "ofYearDay", [("year", "int"), ("dayOfYear", "int")],
    lambda o, y, n: _ld_with_doy(LocalDate.of(_check("Year", y, YEAR_MIN, YEAR_MAX), 1, 1), n))
reg(K, "parse", [("text", "String")], lambda o, t: parse_date(_req(t)))
reg(K, "parseWithFormat", [("text", "String"), ("format", "String")],
    lambda o, t, f: parse_with_format(_req(t), _req(f), "LocalDate"))
_add_common(K)
_date_getters(K)
_cmp_methods(K)
reg(K, "isLeapYear", [], lambda o: is_leap(o.y))
reg(K, "lengthOfMonth", [], lambda o: month_len(o.y, o.m))
reg(K, "lengthOfYear", [], lambda o: 366 if is_leap(o.y) else 365)
reg(K, "atStartOfDay", [], lambda o: LocalDateTime(o.y, o.m, o.d, 0))
reg(K, "atStartOfDayInZone", [("zoneId", "def")],
    lambda o, z: ZonedDateTime.of_local(LocalDateTime(o.y, o.m, o.d, 0), _zone_arg(_req(z))))
reg(K, "atTime", [("time", "LocalTime")], lambda o, t: LocalDateTime(o.y, o.m, o.d, _req(t).nod))
reg(K, "plus", [("amount", "def")], lambda o, a: _ld_plus_amount(o, a, 1))
reg(K, "minus", [("amount", "def")], lambda o, a: _ld_plus_amount(o, a, -1))
for _s, _nm in ((1, "plus"), (-1, "minus")):
    reg(K, _nm + "Days", [("days", "long")], (lambda s: lambda o, n: o.plus_days(s * n))(_s))
    reg(K, _nm + "Weeks", [("weeks", "long")], (lambda s: lambda o, n: o.plus_days(s * n * 7))(_s))
    reg(K, _nm + "Months", [("months", "long")], (lambda s: lambda o, n: o.plus_months(s * n))(_s))
    reg(K, _nm + "Years", [("years", "long")], (lambda s: lambda o, n: o.plus_months(s * n * 12))(_s))
reg(K, "toEpochDay", [], lambda o: Long(o.epoch_day()))
reg(K, "until", [("end", "LocalDate")], lambda o, e: _period_between(o, _req(e)))
reg(K, "withDayOfMonth", [("day", "int")], _ld_with_dom)
reg(K, "withDayOfYear", [("day", "int")], _ld_with_doy)
reg(K, "withMonth", [("month", "int")], _ld_with_month)
reg(K, "withYear", [("year", "int")], _ld_with_year)


# ----------------------------------------------------------------------------- LocalTime

def _lt_plus_amount(t, a, sign):
    a = _req(a)
    if isinstance(a, Duration):
        return t.plus_nanos(sign * a.total())
    if isinstance(a, Period):
        if a.years or a.months or a.days:
            raise err("Unsupported unit: " + ("Years" if a.years and a.months == 0 and False else
                                              "Months" if a.years or a.months else "Days"))
        return t
    raise err("Unsupported amount type")


def _trunc(n, unit):
    return n - n % unit


UNITS = {"Days": DAY_NANOS, "Hours": 3600 * NANOS, "Minutes": 60 * NANOS, "Seconds": NANOS,
         "Millis": 1000000, "Micros": 1000}

K = "LocalTime"
reg(K, "now", [], lambda o: _today().ldt.time)
reg(K, "nowInZone", [("zoneId", "def")], lambda o, z: _today(_req(z)).ldt.time)
reg(K, "of", [("hour", "int"), ("minute", "int"), ("second", "int", 0), ("nano", "int", 0)],
    lambda o, h, m, s, n: LocalTime.of(h, m, s, n))
reg(K, "ofNanoOfDay", [("nanoOfDay", "long")],
    lambda o, n: LocalTime(_check("NanoOfDay", n, 0, DAY_NANOS - 1)))
reg(K, "ofSecondOfDay", [("second", "long")],
    lambda o, n: LocalTime(_check("SecondOfDay", n, 0, 86399) * NANOS))
reg(K, "parse", [("text", "String")], lambda o, t: parse_time(_req(t)))
reg(K, "parseWithFormat", [("text", "String"), ("format", "String")],
    lambda o, t, f: parse_with_format(_req(t), _req(f), "LocalTime"))
_add_common(K)
_time_getters(K)
_cmp_methods(K, ("isAfter", "isBefore"))
reg(K, "atDate", [("date", "LocalDate")], lambda o, d: LocalDateTime(_req(d).y, d.m, d.d, o.nod))
reg(K, "plus", [("amount", "def")], lambda o, a: _lt_plus_amount(o, a, 1))
reg(K, "minus", [("amount", "def")], lambda o, a: _lt_plus_amount(o, a, -1))
for _s, _nm in ((1, "plus"), (-1, "minus")):
    for _u, _mul in (("Hours", 3600 * NANOS), ("Minutes", 60 * NANOS), ("Seconds", NANOS), ("Nanos", 1)):
        reg(K, _nm + _u, [(_u.lower(), "long")], (lambda s, mu: lambda o, n: o.plus_nanos(s * n * mu))(_s, _mul))
reg(K, "toNanoOfDay", [], lambda o: Long(o.nod))
reg(K, "toSecondOfDay", [], lambda o: o.nod // NANOS)
for _u in ("Hours", "Minutes", "Seconds", "Millis", "Micros"):
    reg(K, "truncatedTo" + _u, [], (lambda u: lambda o: LocalTime(_trunc(o.nod, u)))(UNITS[_u]))
reg(K, "until", [("end", "LocalTime")], lambda o, e: Duration.of_nanos(_req(e).nod - o.nod))


def _lt_with(name, lo, hi, get, mk):
    def f(o, n):
        _check(name, n, lo, hi)
        return mk(o, n)
    return f


def _set_hms(nod, h=None, m=None, s=None, n=None):
    H, Mi, S, N = nod // (3600 * NANOS), nod // (60 * NANOS) % 60, nod // NANOS % 60, nod % NANOS
    H = H if h is None else h
    Mi = Mi if m is None else m
    S = S if s is None else s
    N = N if n is None else n
    return ((H * 60 + Mi) * 60 + S) * NANOS + N


_TW = (("withHour", "hour", "HourOfDay", 0, 23, "h"), ("withMinute", "minute", "MinuteOfHour", 0, 59, "m"),
       ("withSecond", "second", "SecondOfMinute", 0, 59, "s"), ("withNano", "nano", "NanoOfSecond", 0, 999999999, "n"))
for _mn, _pn, _fn, _lo, _hi, _k in _TW:
    reg(K, _mn, [(_pn, "int")], (lambda fn, lo, hi, k: lambda o, v: LocalTime(_set_hms(o.nod, **{k: _check(fn, v, lo, hi)})))(_fn, _lo, _hi, _k))


# ----------------------------------------------------------------------------- LocalDateTime

def _ldt_plus_amount(o, a, sign):
    a = _req(a)
    if isinstance(a, Period):
        return o.with_date(_ld_plus_amount(o.date, a, sign))
    if isinstance(a, Duration):
        return o.plus_nanos(sign * a.total())
    raise err("Unsupported amount type")


K = "LocalDateTime"
reg(K, "now", [], lambda o: _today().ldt)
reg(K, "nowInZone", [("zone", "def")], lambda o, z: _today(_req(z)).ldt)
reg(K, "of", [("year", "int"), ("month", "int"), ("day", "int"), ("hour", "int"), ("minute", "int"),
              ("second", "int", 0), ("nano", "int", 0)],
    lambda o, y, mo, d, h, mi, s, n: LocalDateTime.of(LocalDate.of(y, mo, d), LocalTime.of(h, mi, s, n)))
reg(K, "ofDateAndTime", [("date", "LocalDate"), ("time", "LocalTime")],
    lambda o, d, t: LocalDateTime.of(_req(d), _req(t)))
reg(K, "ofEpochSecond", [("second", "long"), ("nano", "int", 0)],
    lambda o, s, n: LocalDateTime.of_local_nanos(s * NANOS + _check("NanoOfSecond", n, 0, 999999999)))
reg(K, "ofInstant", [("instant", "Instant"), ("zoneId", "def")],
    lambda o, i, z: ZonedDateTime.of_instant_nanos(_req(i).total_nanos(), _zone_arg(_req(z))).ldt)
reg(K, "parse", [("text", "String")], lambda o, t: parse_ldt(_req(t)))
reg(K, "parseWithFormat", [("text", "String"), ("format", "String")],
    lambda o, t, f: parse_with_format(_req(t), _req(f), "LocalDateTime"))
_add_common(K)
_date_getters(K)
_time_getters(K)
_cmp_methods(K)
reg(K, "atZone", [("zoneId", "def")], lambda o, z: ZonedDateTime.of_local(o, _zone_arg(_req(z))))
reg(K, "plus", [("amount", "def")], lambda o, a: _ldt_plus_amount(o, a, 1))
reg(K, "minus", [("amount", "def")], lambda o, a: _ldt_plus_amount(o, a, -1))
_DATE_UNITS = (("Days", lambda d, n: d.plus_days(n)), ("Weeks", lambda d, n: d.plus_days(7 * n)),
               ("Months", lambda d, n: d.plus_months(n)), ("Years", lambda d, n: d.plus_months(12 * n)))
_TIME_UNITS = (("Hours", 3600 * NANOS), ("Minutes", 60 * NANOS), ("Seconds", NANOS), ("Nanos", 1))
for _s, _nm in ((1, "plus"), (-1, "minus")):
    for _u, _f in _DATE_UNITS:
        reg(K, _nm + _u, [(_u.lower(), "long")], (lambda s, f: lambda o, n: o.with_date(f(o.date, s * n)))(_s, _f))
    for _u, _mul in _TIME_UNITS:
        reg(K, _nm + _u, [(_u.lower(), "long")], (lambda s, mu: lambda o, n: o.plus_nanos(s * n * mu))(_s, _mul))
reg(K, "toLocalDate", [], lambda o: o.date)
reg(K, "toLocalTime", [], lambda o: o.time)
for _u in ("Days", "Hours", "Minutes", "Seconds", "Millis", "Micros"):
    reg(K, "truncatedTo" + _u, [], (lambda u: lambda o: o.with_time(_trunc(o.nod, u)))(UNITS[_u]))
_DW = (("withDayOfMonth", "day", _ld_with_dom), ("withDayOfYear", "day", _ld_with_doy),
       ("withMonth", "month", _ld_with_month), ("withYear", "year", _ld_with_year))
for _mn, _pn, _f in _DW:
    reg(K, _mn, [(_pn, "int")], (lambda f: lambda o, v: o.with_date(f(o.date, v)))(_f))
for _mn, _pn, _fn, _lo, _hi, _k in _TW:
    reg(K, _mn, [(_pn, "int")], (lambda fn, lo, hi, k: lambda o, v: o.with_time(_set_hms(o.nod, **{k: _check(fn, v, lo, hi)})))(_fn, _lo, _hi, _k))


# ----------------------------------------------------------------------------- ZonedDateTime

def _zdt_plus_amount(o, a, sign):
    a = _req(a)
    if isinstance(a, Period):
        return o.with_local(o.ldt.with_date(_ld_plus_amount(o.ldt.date, a, sign)))
    if isinstance(a, Duration):
        return ZonedDateTime.of_instant_nanos(o.epoch_nanos() + sign * a.total(), o.zid)
    raise err("Unsupported amount type")


def _zdt_overlap(o, later):
    valid, _ = o.zid.offsets_for_local(o.ldt.local_nanos() // NANOS)
    if len(valid) >= 2:
        off = max(valid) if not later else min(valid)
        return ZonedDateTime(o.ldt, off, o.zone)
    return o


K = "ZonedDateTime"
reg(K, "now", [], lambda o: _today())
reg(K, "nowInZone", [("zoneId", "def")], lambda o, z: _today(_req(z)))
reg(K, "of", [("year", "int"), ("month", "int"), ("day", "int"), ("hour", "int"), ("minute", "int"),
              ("second", "int"), ("nano", "int"), ("zoneId", "def")],
    lambda o, y, mo, d, h, mi, s, n, z: ZonedDateTime.of_local(
        LocalDateTime.of(LocalDate.of(y, mo, d), LocalTime.of(h, mi, s, n)), _zone_arg(_req(z))))
reg(K, "ofDateAndTime", [("date", "LocalDate"), ("time", "LocalTime"), ("zoneId", "def")],
    lambda o, d, t, z: ZonedDateTime.of_local(LocalDateTime.of(_req(d), _req(t)), _zone_arg(_req(z))))
reg(K, "ofDateTime", [("dateTime", "LocalDateTime"), ("zoneId", "def")],
    lambda o, d, z: ZonedDateTime.of_local(_req(d), _zone_arg(_req(z))))
reg(K, "ofInstant", [("instant", "Instant"), ("zoneId", "def")],
    lambda o, i, z: ZonedDateTime.of_instant_nanos(_req(i).total_nanos(), _zone_arg(_req(z))))
reg(K, "parse", [("text", "String")], lambda o, t: parse_zdt(_req(t)))
reg(K, "parseWithFormat", [("text", "String"), ("format", "String")],
    lambda o, t, f: parse_with_format(_req(t), _req(f), "ZonedDateTime"))
_add_common(K)


def _zdate(o):
    return o.ldt.date


reg(K, "getYear", [], lambda o: o.y)
reg(K, "getMonthValue", [], lambda o: o.m)
reg(K, "getDayOfMonth", [], lambda o: o.d)
reg(K, "getDayOfYear", [], lambda o: _zdate(o).day_of_year())
reg(K, "getDayOfWeek", [], lambda o: DAYS[_zdate(o).dow()])
reg(K, "getMonth", [], lambda o: MONTHS[o.m - 1])
_time_getters(K)
_cmp_methods(K)
reg(K, "getZone", [], lambda o: o.zid)
reg(K, "getOffset", [], lambda o: ZoneId(_offset_str(o.off)))
reg(K, "toInstant", [], lambda o: o.to_instant())
reg(K, "toEpochSecond", [], lambda o: Long(o.epoch_nanos() // NANOS))
reg(K, "plus", [("amount", "def")], lambda o, a: _zdt_plus_amount(o, a, 1))
reg(K, "minus", [("amount", "def")], lambda o, a: _zdt_plus_amount(o, a, -1))
for _s, _nm in ((1, "plus"), (-1, "minus")):
    for _u, _f in _DATE_UNITS:
        reg(K, _nm + _u, [(_u.lower(), "long")], (lambda s, f: lambda o, n: o.with_local(o.ldt.with_date(f(o.ldt.date, s * n))))(_s, _f))
    for _u, _mul in _TIME_UNITS:
        reg(K, _nm + _u, [(_u.lower(), "long")],
            (lambda s, mu: lambda o, n: ZonedDateTime.of_instant_nanos(o.epoch_nanos() + s * n * mu, o.zid))(_s, _mul))
reg(K, "toLocalDate", [], lambda o: o.ldt.date)
reg(K, "toLocalDateTime", [], lambda o: o.ldt)
reg(K, "toLocalTime", [], lambda o: o.ldt.time)
for _u in ("Days", "Hours", "Minutes", "Seconds", "Millis", "Micros"):
    reg(K, "truncatedTo" + _u, [], (lambda u: lambda o: o.with_local(o.ldt.with_time(_trunc(o.nod, u))))(UNITS[_u]))
for _mn, _pn, _f in _DW:
    reg(K, _mn, [(_pn, "int")], (lambda f: lambda o, v: o.with_local(o.ldt.with_date(f(o.ldt.date, v))))(_f))
for _mn, _pn, _fn, _lo, _hi, _k in _TW:
    reg(K, _mn, [(_pn, "int")], (lambda fn, lo, hi, k: lambda o, v: o.with_local(o.ldt.with_time(_set_hms(o.nod, **{k: _check(fn, v, lo, hi)}))))(_fn, _lo, _hi, _k))
reg(K, "withEarlierOffsetAtOverlap", [], lambda o: _zdt_overlap(o, False))
reg(K, "withLaterOffsetAtOverlap", [], lambda o: _zdt_overlap(o, True))
reg(K, "withFixedOffsetZone", [], lambda o: ZonedDateTime(o.ldt, o.off, _offset_str(o.off)))
reg(K, "withZoneSameInstant", [("zoneId", "def")],
    lambda o, z: ZonedDateTime.of_instant_nanos(o.epoch_nanos(), _zone_arg(_req(z))))
reg(K, "withZoneSameLocal", [("zoneId", "def")],
    lambda o, z: ZonedDateTime.of_local(o.ldt, _zone_arg(_req(z)), o.off))


# ----------------------------------------------------------------------------- Instant

def _in_plus_amount(o, a, sign):
    a = _req(a)
    if isinstance(a, Duration):
        return Instant.of_nanos(o.total_nanos() + sign * a.total())
    if isinstance(a, Period):
        if a.years or a.months:
            raise err("Unsupported unit: " + ("Months" if a.months else "Years"))
        return Instant.of_nanos(o.total_nanos() + sign * a.days * DAY_NANOS)
    raise err("Unsupported amount type")


K = "Instant"
reg(K, "now", [], lambda o: Instant.of_nanos(_now_nanos()))
reg(K, "ofEpochMilli", [("milli", "long")], lambda o, n: Instant.of_nanos(n * 1000000))
reg(K, "ofEpochSecond", [("second", "long"), ("nano", "int", 0)],
    lambda o, s, n: Instant.of_nanos(s * NANOS + n))
reg(K, "parse", [("text", "String")], lambda o, t: parse_instant(_req(t)))
reg(K, "atZone", [("zoneId", "def")], lambda o, z: ZonedDateTime.of_instant_nanos(o.total_nanos(), _zone_arg(_req(z))))
reg(K, "getEpochSecond", [], lambda o: Long(o.sec))
reg(K, "getNano", [], lambda o: o.nano)
_cmp_methods(K, ("isAfter", "isBefore"))
reg(K, "plus", [("amount", "def")], lambda o, a: _in_plus_amount(o, a, 1))
reg(K, "minus", [("amount", "def")], lambda o, a: _in_plus_amount(o, a, -1))
for _s, _nm in ((1, "plus"), (-1, "minus")):
    for _u, _mul in (("Millis", 1000000), ("Seconds", NANOS), ("Nanos", 1)):
        reg(K, _nm + _u, [(_u.lower(), "long")], (lambda s, mu: lambda o, n: Instant.of_nanos(o.total_nanos() + s * n * mu))(_s, _mul))
reg(K, "toEpochMilli", [], lambda o: _long(o.total_nanos() // 1000000))
for _u in ("Days", "Hours", "Minutes", "Seconds", "Millis", "Micros"):
    reg(K, "truncatedTo" + _u, [], (lambda u: lambda o: Instant.of_nanos(_trunc(o.total_nanos(), u)))(UNITS[_u]))
reg(K, "withMicro", [("micro", "int")], lambda o, n: Instant(o.sec, _check("MicroOfSecond", n, 0, 999999) * 1000))
reg(K, "withMilli", [("milli", "int")], lambda o, n: Instant(o.sec, _check("MilliOfSecond", n, 0, 999) * 1000000))
reg(K, "withNano", [("nano", "int")], lambda o, n: Instant(o.sec, _check("NanoOfSecond", n, 0, 999999999)))


# ----------------------------------------------------------------------------- Duration

def _dur_between(a, b):
    a, b = _req(a), _req(b)
    for nm, x in (("start", a), ("end", b)):
        if isinstance(x, LocalDate):
            raise err(f"Unsupported temporal type: {nm} cannot be LocalDate")

    def nanos(x, ref):
        if isinstance(x, (Instant,)):
            return x.total_nanos()
        if isinstance(x, ZonedDateTime):
            return x.epoch_nanos()
        if isinstance(x, LocalDateTime):
            return x.local_nanos()
        if isinstance(x, LocalTime):
            return x.nod
        if isinstance(x, LocalDate):
            raise err("Unsupported unit: Seconds")
        raise err("Unsupported temporal type")
    if isinstance(a, LocalTime) and not isinstance(b, LocalTime):
        b = b.ldt.time if isinstance(b, ZonedDateTime) else b.time if isinstance(b, LocalDateTime) else b
    if isinstance(a, LocalDateTime) and isinstance(b, ZonedDateTime):
        b = b.ldt
    if isinstance(a, (Instant, ZonedDateTime)) and isinstance(b, LocalDateTime):
        raise err(f"Unable to obtain {type(a).__name__} from TemporalAccessor: {b} of type java.time.LocalDateTime")
    return Duration.of_nanos(nanos(b, a) - nanos(a, b))


K = "Duration"
_DUNITS = (("Days", 86400 * NANOS), ("Hours", 3600 * NANOS), ("Minutes", 60 * NANOS),
           ("Seconds", NANOS), ("Millis", 1000000), ("Nanos", 1))


def _dur_check(n):
    return Duration.of_nanos(n)


for _u, _mul in _DUNITS:
    reg(K, "of" + _u, [(_u.lower(), "long")], (lambda mu: lambda o, n: _dur_check(n * mu))(_mul))
    reg(K, "plus" + _u, [(_u.lower(), "long")], (lambda mu: lambda o, n: _dur_check(o.total() + n * mu))(_mul))
    reg(K, "minus" + _u, [(_u.lower(), "long")], (lambda mu: lambda o, n: _dur_check(o.total() - n * mu))(_mul))
reg(K, "ofSecondsAndNanos", [("seconds", "long"), ("nanos", "long")],
    lambda o, s, n: _dur_check(s * NANOS + n))
reg(K, "between", [("start", "def"), ("end", "def")], lambda o, a, b: _dur_between(a, b))
reg(K, "parse", [("text", "String")], lambda o, t: _parse_duration(_req(t)))
reg(K, "abs", [], lambda o: Duration.of_nanos(abs(o.total())))


def _dur_div(o, n):
    if n == 0:
        raise err("Cannot divide by zero")
    return Duration.of_nanos(_tdiv(o.total(), n))


reg(K, "dividedBy", [("amount", "long")], _dur_div)
reg(K, "getNano", [], lambda o: o.nano)
reg(K, "getSeconds", [], lambda o: Long(o.sec))
reg(K, "isNegative", [], lambda o: o.sec < 0)
reg(K, "isZero", [], lambda o: o.sec == 0 and o.nano == 0)
reg(K, "plus", [("other", "Duration")], lambda o, d: Duration.of_nanos(o.total() + _req(d).total()))
reg(K, "minus", [("other", "Duration")], lambda o, d: Duration.of_nanos(o.total() - _req(d).total()))
reg(K, "multipliedBy", [("amount", "long")], lambda o, n: Duration.of_nanos(o.total() * n))
reg(K, "negated", [], lambda o: Duration.of_nanos(-o.total()))
reg(K, "toDays", [], lambda o: Long(_tdiv(o.sec, 86400)))
reg(K, "toHours", [], lambda o: Long(_tdiv(o.sec, 3600)))
reg(K, "toMinutes", [], lambda o: Long(_tdiv(o.sec, 60)))
reg(K, "toMillis", [], lambda o: _long(o.sec * 1000 + o.nano // 1000000))
reg(K, "toNanos", [], lambda o: _long(o.total()))
reg(K, "withNanos", [("nanos", "int")], lambda o, n: Duration(o.sec, _check("NanoOfSecond", n, 0, 999999999)))
reg(K, "withSeconds", [("seconds", "long")], lambda o, s: Duration(s, o.nano))


# ----------------------------------------------------------------------------- Period

K = "Period"
reg(K, "between", [("start", "LocalDate"), ("end", "LocalDate")], lambda o, a, b: _period_between(_req(a), _req(b)))
reg(K, "getDays", [], lambda o: o.days)
reg(K, "getMonths", [], lambda o: o.months)
reg(K, "getYears", [], lambda o: o.years)
reg(K, "isNegative", [], lambda o: o.years < 0 or o.months < 0 or o.days < 0)
reg(K, "isZero", [], lambda o: o.years == 0 and o.months == 0 and o.days == 0)


def _per_amount(o, a, s):
    a = _req(a)
    if isinstance(a, Duration):
        raise err("Unit must be Years, Months or Days, but was Seconds")
    if not isinstance(a, Period):
        raise err("Unsupported amount type")
    return Period(o.years + s * a.years, o.months + s * a.months, o.days + s * a.days)


reg(K, "plus", [("other", "def")], lambda o, a: _per_amount(o, a, 1))
reg(K, "minus", [("other", "def")], lambda o, a: _per_amount(o, a, -1))
reg(K, "plusDays", [("days", "long")], lambda o, n: Period(o.years, o.months, o.days + n))
reg(K, "plusMonths", [("months", "long")], lambda o, n: Period(o.years, o.months + n, o.days))
reg(K, "plusYears", [("years", "long")], lambda o, n: Period(o.years + n, o.months, o.days))
reg(K, "minusDays", [("days", "long")], lambda o, n: Period(o.years, o.months, o.days - n))
reg(K, "minusMonths", [("months", "long")], lambda o, n: Period(o.years, o.months - n, o.days))
reg(K, "minusYears", [("years", "long")], lambda o, n: Period(o.years - n, o.months, o.days))
reg(K, "multipliedBy", [("scalar", "int")], lambda o, n: Period(o.years * n, o.months * n, o.days * n))
reg(K, "negated", [], lambda o: Period(-o.years, -o.months, -o.days))


def _per_norm(o):
    tm = o.years * 12 + o.months
    return Period(_tdiv(tm, 12), tm - 12 * _tdiv(tm, 12), o.days)


reg(K, "normalized", [], _per_norm)
reg(K, "of", [("years", "int"), ("months", "int"), ("days", "int")], lambda o, y, m, d: Period(y, m, d))
reg(K, "ofDays", [("days", "int")], lambda o, n: Period(0, 0, n))
reg(K, "ofMonths", [("months", "int")], lambda o, n: Period(0, n, 0))
reg(K, "ofWeeks", [("weeks", "int")], lambda o, n: Period(0, 0, _int(n * 7)))
reg(K, "ofYears", [("years", "int")], lambda o, n: Period(n, 0, 0))
reg(K, "parse", [("text", "String")], lambda o, t: _parse_period(_req(t)))
reg(K, "toTotalMonths", [], lambda o: Long(o.years * 12 + o.months))
reg(K, "withDays", [("days", "int")], lambda o, n: Period(o.years, o.months, n))
reg(K, "withMonths", [("months", "int")], lambda o, n: Period(o.years, n, o.days))
reg(K, "withYears", [("years", "int")], lambda o, n: Period(n, o.months, o.days))


# ----------------------------------------------------------------------------- ZoneId

def _is_valid_zone(s):
    try:
        ZoneId.of(_req(s))
        return True
    except Exception:
        return False


K = "ZoneId"
reg(K, "getAvailableZoneIds", [], lambda o: ReadOnlyList(available_zones()))
reg(K, "getId", [], lambda o: o.id)
reg(K, "isValid", [("zone", "String")], lambda o, s: _is_valid_zone(s))
reg(K, "normalized", [], lambda o: o.normalized())
def _zone_of(s):
    """Jactl's ZoneId.of gives null for an unknown/invalid zone id."""
    try:
        return ZoneId.of(_req(s))
    except Exception:
        return None


reg(K, "of", [("zone", "String")], lambda o, s: _zone_of(s))
reg(K, "systemDefault", [], lambda o: _system_zone())
