"""The read-only List (runtime/readonly.py) that ZoneId.getAvailableZoneIds() returns: a List
for every reader, an error for every mutation, plain new lists from every operation that
builds one, and a plain List after a checkpoint restore (as Jactl's restorer builds one)."""

import pytest

import lang
from lang.errors import JactlRuntimeError
from lang.runtime.readonly import ReadOnlyList

Z = "def z = ZoneId.getAvailableZoneIds(); "
TZ = "List z = ZoneId.getAvailableZoneIds(); "


def ev(src, **kw):
    return lang.eval(src, {}, **kw)


@pytest.mark.parametrize("pre", [Z, TZ])
@pytest.mark.parametrize("src", [
    "z.add('x')", "z.addAt(0, 'x')", "z.remove(0)", "def f = z.remove; f(2)",
    "z[0] = 'x'", "z[z.size()] = 'x'", "z <<= 'x'", "z += 'x'", "z += ['x', 'y']",
])
def test_every_mutation_is_jactls_error_in_the_mutating_statement(pre, src):
    with pytest.raises(JactlRuntimeError) as e:
        ev(pre + src)
    assert e.value.raw_message == "Attempt to modify an unmodifiable list"
    assert e.value.line == 1 and e.value.column > len(pre)


@pytest.mark.parametrize("pre", [Z, TZ])
@pytest.mark.parametrize("src,expected", [
    ("'Australia/Sydney' in z", True),
    ("z instanceof List && z.className() == 'List'", True),
    ("z.size() == z.map{ it }.size() && z == z.map{ it }", True),
    ("(z + ['x']).size() - z.size()", 1),
    ("(z << 'x').size() - z.size()", 1),
    ("z.filter{ it == 'UTC' }", ["UTC"]),
    ("z.sort{ a,b -> b <=> a }[0] == z[-1]", True),
    ("def n = 0; for (x in z) { n++ }; n == z.size()", True),
    ("def (a, b) = z; [a, b] == z.limit(2)", True),
    ("z.toJson() == z.map{ it }.toJson()", True),
    ("def f(List l) { l.size() }; f(z) == z.size()", True),
    ("z.map{ sleep(0, it) }.size() == z.size()", True),
    # what these build is a new list, and a new list is modifiable
    ("def y = z.sort(); y[0] = 'x'; y.add('y'); y[0] + y[-1]", "xy"),
    ("def y = z + []; y <<= 'x'; y[-1]", "x"),
    ("def y = z.subList(0, 1); y.add('x'); y.size()", 2),
])
def test_reads_and_new_lists(pre, src, expected):
    assert ev(pre + src) == expected
    assert ev(pre + src, checkpoint_each_statement=True) == expected


def test_the_value_is_a_list_to_hosts():
    z = ev("ZoneId.getAvailableZoneIds()")
    assert isinstance(z, list) and type(z) is ReadOnlyList and "UTC" in z
    assert type(z[0:2]) is list and type(z + []) is list and type(z.copy()) is list


def test_a_restored_checkpoint_holds_a_plain_list_and_keeps_sharing():
    # Jactl's restorer rebuilds every List as an ArrayList, so after a restore the list is
    # modifiable there too; both references still name one list.
    src = Z + "def y = [z, z]; y[0].add('x'); y[1][-1] == 'x' && z[-1] == 'x'"
    with pytest.raises(JactlRuntimeError, match="unmodifiable"):
        ev(src)
    assert ev(src, checkpoint_each_statement=True) is True
