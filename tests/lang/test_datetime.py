"""Builtin date/time classes: values, printing, methods, checkpoints."""

import pytest

import lang
from lang.checkpoint import Checkpointer
from lang.context import Context, Restorer
from lang.errors import JactlError


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,expected", [
    ("LocalDate.parse('2020-01-02').toString()", "2020-01-02"),
    ("LocalDate.of(2020,1,31).plusMonths(1).toString()", "2020-02-29"),
    ("LocalDate d = LocalDate.of(2020,1,2); d instanceof LocalDate", True),
    ("LocalDate.parse('2026-01-28') instanceof jactl.time.LocalDate", True),
    ("LocalDate.parse('2026-01-19').getDayOfWeek()", "MONDAY"),
    ("LocalTime.of(10,15,30).toString()", "10:15:30"),
    ("LocalTime.of(10,15).toString()", "10:15"),
    ("LocalDateTime.parse('2020-01-02T10:15:30').toString()", "2020-01-02T10:15:30"),
    ("ZonedDateTime.parse('2020-01-02T10:15:30+01:00[Europe/Paris]').toString()",
     "2020-01-02T10:15:30+01:00[Europe/Paris]"),
    ("LocalDateTime.of(2020,3,29,2,30).atZone(ZoneId.of('Europe/Paris')).toString()",
     "2020-03-29T03:30+02:00[Europe/Paris]"),
    ("Instant.ofEpochSecond(0).toString()", "1970-01-01T00:00:00Z"),
    ("Duration.ofHours(4).toString()", "PT4H"),
    ("Duration.ofMillis(-1500).toString()", "PT-1.5S"),
    ("Period.of(1,2,3).toString()", "P1Y2M3D"),
    ("LocalDate.of(2020,1,1).until(LocalDate.of(2021,3,4)).toString()", "P1Y2M3D"),
    ("LocalDateTime.parse('2026-02-18T13:13:14').format('yyyy/MM/dd hh:mm a')",
     "2026/02/18 01:13 PM"),
    ("LocalDate.parseWithFormat(text:'2026/01/20', format:'yyyy/MM/dd').toString()", "2026-01-20"),
    ("LocalDate.of(2020,1,2) == LocalDate.parse('2020-01-02')", True),
    ("Duration.between(LocalTime.of(1,0), LocalTime.of(2,30)).toMinutes()", 90),
    ("LocalDate.of(2020,1,2).className()", "LocalDate"),
    ("ZoneId.of('XXX') == null", True),
    ('"d=${LocalDate.of(2020,1,2).plusDays(1)}"', "d=2020-01-03"),
    ("def f = LocalDate.parse; f('2020-01-02').getYear()", 2020),
])
def test_datetime_values(src, expected, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == expected


def test_invalid_date_error():
    with pytest.raises(JactlError, match="Invalid value for MonthOfYear"):
        lang.eval("LocalDate.of(2020,13,1)")


def test_checkpoint_round_trip_of_datetime_values():
    src = ("def v = [LocalDate.of(2020,1,2), LocalTime.of(1,2,3,4), "
           "LocalDateTime.of(2020,1,2,3,4), "
           "ZonedDateTime.parse('2020-01-02T10:15:30+01:00[Europe/Paris]'), "
           "Instant.ofEpochMilli(1234), Duration.ofSeconds(-5), Period.ofDays(3), "
           "ZoneId.of('UTC')]; def x = sleep(0, 1); "
           "v.map{ it.toString() }.join(',') + x + v[0].plusDays(x)")
    ctx = Context()
    out = ctx.compile(src).start()
    data = Checkpointer.save(out.continuation)
    fresh = Context()
    fresh.compile(src)
    cont = Restorer.restore(fresh, data)
    assert cont.resume(1).value == (
        "2020-01-02,01:02:03.000000004,2020-01-02T03:04,"
        "2020-01-02T10:15:30+01:00[Europe/Paris],1970-01-01T00:00:01.234Z,PT-5S,P3D,UTC"
        "12020-01-03")
